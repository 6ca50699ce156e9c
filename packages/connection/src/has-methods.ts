/**
 * A zod `custom` check for an object given in the options (a client, a keyspace, a guard): true
 * when `value` has every named method. Duck-typed rather than `instanceof`, so that an object from
 * another copy of a package passes.
 */
export function hasMethods(...names: string[]): (value: unknown) => boolean {
  return (value) =>
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
}
