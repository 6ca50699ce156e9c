/** Bytes for people, one decimal above 1 KiB: `1536` -> `'1.5 KiB'`, `268435456` -> `'256 MiB'`. */
export declare function formatMemory(bytes: number): string
