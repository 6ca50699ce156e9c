import { RedlayerError } from '@redlayer/connection'
import type { SessionEvent, SessionSummary } from './types.js'

/** A flat HGETALL reply as a record. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i] as string] = flat[i + 1] as string
  return record
}

export function serialize(what: string, value: unknown, maxBytes: number): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (cause) {
    throw new RedlayerError('E_INVALID_VALUE', `The ${what} cannot be serialized as JSON.`, { cause })
  }
  if (json === undefined) throw new RedlayerError('E_INVALID_VALUE', `The ${what} is not a JSON value.`)
  const bytes = Buffer.byteLength(json)
  if (bytes > maxBytes) {
    throw new RedlayerError(
      'E_INVALID_VALUE',
      `The ${what} is ${bytes} bytes, above the limit of ${maxBytes}.`,
      {
        details: { bytes, maxBytes },
      },
    )
  }
  return json
}

export function summaryOf(id: string, meta: Record<string, string>): SessionSummary {
  return {
    id,
    appName: meta.appName ?? '',
    userId: meta.userId ?? '',
    version: Number(meta.version),
    createdAt: new Date(Number(meta.createdAt)),
    updatedAt: new Date(Number(meta.updatedAt)),
    expiresAt: new Date(Number(meta.expiresAt)),
    eventCount: Number(meta.events),
  }
}

export function stateOf(flat: readonly string[]): Record<string, unknown> {
  const state: Record<string, unknown> = {}
  for (const [field, json] of Object.entries(fieldsOf(flat))) state[field] = JSON.parse(json)
  return state
}

/** An event as stored by append-event.lua: `{"seq":N,"at":ms,"event":{id,type,data}}`. */
export function eventOf(stored: string): SessionEvent {
  const { seq, at, event } = JSON.parse(stored) as {
    seq: number
    at: number
    event: { id: string; type: string; data?: unknown }
  }
  return { seq, at: new Date(at), ...event }
}

/** State entries as HSET arguments: each value serialized and bounded, their number bounded. */
export function statePairs(
  entries: readonly [string, unknown][],
  { maxStateFields, maxValueBytes }: { readonly maxStateFields: number; readonly maxValueBytes: number },
): string[] {
  if (entries.length > maxStateFields) {
    throw new RedlayerError(
      'E_INVALID_VALUE',
      `The state has ${entries.length} fields, above the limit of ${maxStateFields}.`,
      { details: { fields: entries.length, maxStateFields } },
    )
  }
  return entries.flatMap(([field, value]) => [
    field,
    serialize(`state field "${field}"`, value, maxValueBytes),
  ])
}
