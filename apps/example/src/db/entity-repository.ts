import type { Queryable } from './database.js'

export interface Entity {
  readonly id: number
  readonly kind: string
  readonly name: string
  readonly description: string
  readonly updatedAt: Date
}

export interface EntitySearch {
  kind?: string | undefined
  /** Case-insensitive substring of the name. */
  q?: string | undefined
  limit: number
  offset: number
}

export interface EntityPage {
  readonly items: readonly Entity[]
  readonly total: number
}

export interface EntityInput {
  kind: string
  name: string
  description?: string | undefined
}

interface EntityRow extends Record<string, unknown> {
  id: number
  kind: string
  name: string
  description: string
  updated_at: Date | string
}

const COLUMNS = 'id, kind, name, description, updated_at'

function entityOf(row: EntityRow): Entity {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    description: row.description,
    updatedAt: new Date(row.updated_at),
  }
}

/** LIKE metacharacters taken literally: a search for `50%` finds names containing `50%`. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** The entities table: the source of truth the caches read through. */
export class EntityRepository {
  readonly #db: Queryable

  constructor(db: Queryable) {
    this.#db = db
  }

  async get(id: number): Promise<Entity | null> {
    const [row] = await this.#db.query<EntityRow>(`SELECT ${COLUMNS} FROM entities WHERE id = $1`, [id])
    return row ? entityOf(row) : null
  }

  async search({ kind, q, limit, offset }: EntitySearch): Promise<EntityPage> {
    const where: string[] = []
    const params: unknown[] = []
    if (kind !== undefined) {
      params.push(kind)
      where.push(`kind = $${params.length}`)
    }
    if (q !== undefined) {
      params.push(likePattern(q))
      where.push(`name ILIKE $${params.length}`)
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
    const [count] = await this.#db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM entities ${filter}`,
      params,
    )
    const rows = await this.#db.query<EntityRow>(
      `SELECT ${COLUMNS} FROM entities ${filter} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    )
    return { items: rows.map(entityOf), total: count?.n ?? 0 }
  }

  async create(input: EntityInput): Promise<Entity> {
    const [row] = await this.#db.query<EntityRow>(
      `INSERT INTO entities (kind, name, description) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [input.kind, input.name, input.description ?? ''],
    )
    if (!row) throw new Error('INSERT ... RETURNING returned no row')
    return entityOf(row)
  }

  /**
   * Applies the patch in one statement; returns the entity after it and the kind it had before
   * (the caches of both kinds are invalidated), or null when there is no such entity.
   */
  async update(
    id: number,
    patch: Partial<EntityInput>,
  ): Promise<{ entity: Entity; previousKind: string } | null> {
    const [row] = await this.#db.query<EntityRow & { previous_kind: string }>(
      `UPDATE entities AS e
       SET kind = coalesce($2, e.kind), name = coalesce($3, e.name),
           description = coalesce($4, e.description), updated_at = now()
       FROM (SELECT id, kind FROM entities WHERE id = $1 FOR UPDATE) AS previous
       WHERE e.id = previous.id
       RETURNING e.id, e.kind, e.name, e.description, e.updated_at, previous.kind AS previous_kind`,
      [id, patch.kind ?? null, patch.name ?? null, patch.description ?? null],
    )
    return row ? { entity: entityOf(row), previousKind: row.previous_kind } : null
  }

  /** Entities per kind, counted now. */
  async countByKind(): Promise<{ kind: string; entities: number }[]> {
    return this.#db.query<{ kind: string; entities: number }>(
      'SELECT kind, count(*)::int AS entities FROM entities GROUP BY kind ORDER BY kind',
    )
  }
}
