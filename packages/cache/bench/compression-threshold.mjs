#!/usr/bin/env node
// ADR-0021: the measurement behind the compression threshold. For realistic JSON values of growing
// size it prints the bytes deflate saves and the CPU it costs (compress + inflate, median of many
// runs), so the threshold can be picked where compression pays. Run: node bench/compression-threshold.mjs
import { brotliCompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib'

// A seeded generator, so every run measures the same values.
let seed = 0x2545f491
function random() {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) / 0x1_0000_0000
}
const pick = (items) => items[Math.floor(random() * items.length)]
const words =
  'order invoice customer shipped pending paid refund express standard berlin paris lyon madrid premium basic gift'.split(
    ' ',
  )
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')

function user() {
  return {
    id: hex(24),
    email: `${pick(words)}.${pick(words)}${Math.floor(random() * 1000)}@example.com`,
    name: `${pick(words)} ${pick(words)}`,
    plan: pick(['free', 'pro', 'team']),
    createdAt: new Date(1.7e12 + Math.floor(random() * 3e10)).toISOString(),
    verified: random() > 0.3,
  }
}
function order() {
  return {
    id: hex(16),
    status: pick(['pending', 'paid', 'shipped', 'refunded']),
    total: Math.round(random() * 100_000) / 100,
    currency: 'EUR',
    items: Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({
      sku: `SKU-${hex(6)}`,
      quantity: 1 + Math.floor(random() * 3),
      price: Math.round(random() * 10_000) / 100,
    })),
    shipping: { method: pick(['express', 'standard']), city: pick(words) },
  }
}
// A value of about `size` bytes: the first fields of a user record for small sizes, then a user
// with a page of orders (a list endpoint) for larger ones.
function valueOfSize(size) {
  const fields = Object.entries(user())
  const small = {}
  for (const [key, value] of fields) {
    small[key] = value
    if (JSON.stringify(small).length >= size) return JSON.stringify(small)
  }
  const page = { user: small, orders: [] }
  while (JSON.stringify(page).length < size) page.orders.push(order())
  return JSON.stringify(page)
}

function medianMicros(fn, runs) {
  const samples = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1000)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(runs / 2)]
}

const sizes = [64, 100, 128, 192, 256, 384, 512, 1024, 2048, 4096, 16_384, 65_536]
console.log('target  bytes  deflated  saved  ratio  deflate_us  inflate_us  brotli4_bytes')
for (const target of sizes) {
  const samples = Array.from({ length: 20 }, () => Buffer.from(valueOfSize(target)))
  const runs = Math.max(20, Math.floor(200_000 / target))
  let bytes = 0
  let deflated = 0
  let brotli = 0
  let deflateUs = 0
  let inflateUs = 0
  for (const sample of samples) {
    const packed = deflateRawSync(sample)
    bytes += sample.length
    deflated += Math.min(packed.length, sample.length)
    brotli += brotliCompressSync(sample, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }).length
    deflateUs += medianMicros(() => deflateRawSync(sample), runs)
    inflateUs += medianMicros(() => inflateRawSync(packed), runs)
  }
  const n = samples.length
  const row = [
    String(target).padStart(6),
    String(Math.round(bytes / n)).padStart(6),
    String(Math.round(deflated / n)).padStart(9),
    String(Math.round((bytes - deflated) / n)).padStart(6),
    (deflated / bytes).toFixed(2).padStart(6),
    (deflateUs / n).toFixed(1).padStart(11),
    (inflateUs / n).toFixed(1).padStart(11),
    String(Math.round(brotli / n)).padStart(14),
  ]
  console.log(row.join(' '))
}
