#!/usr/bin/env node
// Build step shared by the packages that keep Lua scripts beside their TypeScript: copies every
// src/**/*.lua of the package in the current directory to the same place under dist/, where the
// compiled code reads it (`new URL('./x.lua', import.meta.url)`).
import { cpSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

const src = join(process.cwd(), 'src')
const dist = join(process.cwd(), 'dist')

function copy(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) copy(path)
    else if (entry.name.endsWith('.lua')) cpSync(path, join(dist, relative(src, path)))
  }
}
copy(src)
