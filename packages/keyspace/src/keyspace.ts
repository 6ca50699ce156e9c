import { RedlayerError } from '@redlayer/connection'
import {
  type KeyspaceDefinition,
  PARTS_MARKER,
  type ResolvedNamespace,
  resolveKeyspace,
} from './definition.js'
import { escapeGlob } from './glob.js'
import { ENCODED_PART_SOURCE, encodePart, type KeyPart } from './part-encoding.js'

/** Keys that share one hash tag, hence one Redis Cluster slot (a session's meta and events...). */
export interface KeyFamily {
  /** The hash tag, braces included: `{<encoded parts>}`. */
  readonly tag: string
  /** A key of the family: the namespace prefix, the tag, then the encoded suffix parts. */
  key(...suffix: KeyPart[]): string
}

const PART_LIST = `${ENCODED_PART_SOURCE}(?::${ENCODED_PART_SOURCE})*`
// ADR-0011: what may follow `<prefix>::`: encoded parts (possibly none), or a `{tag}` of at
// least one part followed by encoded suffix parts. Anything else was not built by a keyspace.
const KEY_TAIL = new RegExp(`^(?:(?:${PART_LIST})?|\\{${PART_LIST}\\}(?::${PART_LIST})?)$`)

/**
 * A declared keyspace: the one place keys are built (ADR-0011). Create it with `defineKeyspace`.
 */
export class Keyspace<N extends string = string> {
  /** The application prefix with its trailing `:` (`'myapp:'`), or `''`. */
  readonly prefix: string
  readonly namespaces: readonly ResolvedNamespace<N>[]
  readonly #byName: ReadonlyMap<string, ResolvedNamespace<N>>
  readonly #byPrefix: ReadonlyMap<string, ResolvedNamespace<N>>
  readonly #maxPartLength: number

  constructor(definition: KeyspaceDefinition<N>) {
    const resolved = resolveKeyspace(definition)
    this.prefix = resolved.appPrefix
    this.namespaces = resolved.namespaces
    this.#maxPartLength = resolved.maxPartLength
    this.#byName = new Map(resolved.namespaces.map((ns) => [ns.name, ns]))
    this.#byPrefix = new Map(resolved.namespaces.map((ns) => [ns.prefix, ns]))
  }

  /** The SCAN MATCH pattern of every key under the application prefix. */
  get scanPattern(): string {
    return `${escapeGlob(this.prefix)}*`
  }

  /** True when `name` is a declared namespace. */
  has(name: string): name is N {
    return this.#byName.has(name)
  }

  /** The resolved declaration of a namespace; `E_UNKNOWN_NAMESPACE` for an undeclared name. */
  namespace(name: N): ResolvedNamespace<N> {
    const ns = this.#byName.get(name)
    if (ns === undefined) {
      throw new RedlayerError(
        'E_UNKNOWN_NAMESPACE',
        `unknown namespace ${JSON.stringify(String(name).slice(0, 64))}`,
        {
          details: { known: [...this.#byName.keys()] },
        },
      )
    }
    return ns
  }

  /**
   * A key of `namespace`: `<app>:<prefix>::<part>:<part>...`, each part encoded (ADR-0011) so
   * that no two part lists give one key and no part can leave its namespace or act as a glob.
   */
  key(namespace: N, ...parts: KeyPart[]): string {
    return this.namespace(namespace).keyPrefix + this.#encode(parts)
  }

  /**
   * Keys sharing the hash tag built from `parts` (at least one), hence one cluster slot:
   * `<app>:<prefix>::{<parts>}:<suffix>...`.
   */
  family(namespace: N, ...parts: KeyPart[]): KeyFamily {
    const ns = this.namespace(namespace)
    if (parts.length === 0) {
      // ADR-0011: an empty tag `{}` does not pin the slot (Redis hashes the whole key).
      throw new RedlayerError('E_INVALID_KEY_PART', 'a key family needs at least one part for its hash tag')
    }
    const tag = `{${this.#encode(parts)}}`
    const base = ns.keyPrefix + tag
    return Object.freeze({
      tag,
      key: (...suffix: KeyPart[]) => (suffix.length === 0 ? base : `${base}:${this.#encode(suffix)}`),
    })
  }

  /**
   * The TTL in ms for a key of `namespace`: the default when `requestedMs` is omitted, otherwise
   * `requestedMs` clamped to the namespace's [min, max]. Non-finite or negative: `E_INVALID_TTL`.
   */
  ttl(namespace: N, requestedMs?: number): number {
    const { defaultMs, minMs, maxMs } = this.namespace(namespace).ttl
    if (requestedMs === undefined) return defaultMs
    if (typeof requestedMs !== 'number' || !Number.isFinite(requestedMs) || requestedMs < 0) {
      throw new RedlayerError(
        'E_INVALID_TTL',
        'a requested TTL must be a finite, non-negative number of ms',
        {
          details: { requested: String(requestedMs) },
        },
      )
    }
    return Math.min(maxMs, Math.max(minMs, Math.round(requestedMs)))
  }

  /** The exact SCAN MATCH pattern of a namespace (glob characters of the prefixes escaped). */
  pattern(namespace: N): string {
    return this.namespace(namespace).pattern
  }

  /**
   * The namespace a raw key belongs to, or `undefined` when no namespace of this keyspace could
   * have built it. Exact for nested (`cache`, `cache:query`) and similar (`cache`, `cache2`)
   * prefixes: the prefix ends at the first `::`, which no prefix contains.
   */
  classify(rawKey: string): N | undefined {
    if (!rawKey.startsWith(this.prefix)) return undefined
    const marker = rawKey.indexOf(PARTS_MARKER, this.prefix.length)
    if (marker < 0) return undefined
    const ns = this.#byPrefix.get(rawKey.slice(this.prefix.length, marker))
    if (ns === undefined || !KEY_TAIL.test(rawKey.slice(marker + PARTS_MARKER.length))) return undefined
    return ns.name
  }

  #encode(parts: readonly KeyPart[]): string {
    // Issue 18: every package builds keys on every call; a loop, no array or closure per key.
    if (parts.length === 0) return ''
    let out = encodePart(parts[0] as KeyPart, this.#maxPartLength)
    for (let i = 1; i < parts.length; i++) out += `:${encodePart(parts[i] as KeyPart, this.#maxPartLength)}`
    return out
  }
}

/** Declares a keyspace; a bad declaration throws one `E_INVALID_KEYSPACE` listing every problem. */
export function defineKeyspace<N extends string>(definition: KeyspaceDefinition<N>): Keyspace<N> {
  return new Keyspace(definition)
}
