import { createHash } from 'node:crypto'
import type { Cache } from '@redlayer/cache'
import type {
  Entity,
  EntityInput,
  EntityPage,
  EntityRepository,
  EntitySearch,
} from '../db/entity-repository.js'
import type { ExampleNamespace } from '../keyspace.js'

/** Where an answer came from: the cache, or the database (a miss, or Redis unavailable). */
export type Source = 'cache' | 'database'

export interface EntityServiceOptions {
  repository: EntityRepository
  /** Namespace `entity`: one entry per entity id. */
  entities: Cache<ExampleNamespace>
  /** Namespace `cache:query`: one entry per normalized search, tagged for invalidation. */
  queries: Cache<ExampleNamespace>
}

/** The tag of searches over every kind; a search within one kind carries that kind's tag only. */
const ALL_KINDS = 'kinds:all'
const kindTag = (kind: string) => `kind:${kind}`

/**
 * Entities read through the caches (ADR-0020): by id in `entity`, searches in `cache:query`
 * tagged by kind. A write goes to the database first, then deletes the entity's entry and
 * invalidates the tags of the lists it may appear in; while Redis is down the cache keeps those
 * invalidations and replays them when it is back (ADR-0013), so no stale entry survives.
 */
export class EntityService {
  readonly #repository: EntityRepository
  readonly #entities: Cache<ExampleNamespace>
  readonly #queries: Cache<ExampleNamespace>

  constructor(options: EntityServiceOptions) {
    this.#repository = options.repository
    this.#entities = options.entities
    this.#queries = options.queries
  }

  async get(id: number): Promise<{ entity: Entity | null; source: Source }> {
    let source: Source = 'cache'
    const entity = await this.#entities.getOrSet<Entity | null>(['entity', id], () => {
      source = 'database'
      return this.#repository.get(id)
    })
    return { entity, source }
  }

  async search(search: EntitySearch): Promise<{ page: EntityPage; source: Source }> {
    let source: Source = 'cache'
    const page = await this.#queries.getOrSet<EntityPage>(
      ['search', queryHash(search)],
      () => {
        source = 'database'
        return this.#repository.search(search)
      },
      { tags: [search.kind === undefined ? ALL_KINDS : kindTag(search.kind)] },
    )
    return { page, source }
  }

  async create(input: EntityInput): Promise<Entity> {
    const entity = await this.#repository.create(input)
    await Promise.all([
      // A read of this id before it existed cached its absence (negative caching).
      this.#entities.delete(['entity', entity.id]),
      this.#queries.invalidateTags([ALL_KINDS, kindTag(entity.kind)]),
    ])
    return entity
  }

  async update(id: number, patch: Partial<EntityInput>): Promise<Entity | null> {
    const updated = await this.#repository.update(id, patch)
    if (!updated) return null
    await Promise.all([
      this.#entities.delete(['entity', id]),
      // A change of kind moves the entity between two kinds' lists.
      this.#queries.invalidateTags([
        ...new Set([ALL_KINDS, kindTag(updated.previousKind), kindTag(updated.entity.kind)]),
      ]),
    ])
    return updated.entity
  }
}

/** One entry per distinct search: a digest of its normalized parameters. */
function queryHash({ kind, q, limit, offset }: EntitySearch): string {
  const normalized = JSON.stringify([kind ?? null, q?.trim().toLowerCase() ?? null, limit, offset])
  return createHash('sha256').update(normalized).digest('base64url').slice(0, 22)
}
