#!/usr/bin/env node
// The installed `redlayer` command. It is a file of its own, not dist/main.js, because pnpm links a
// package's bin only when the file exists at install time, and dist/ appears only with the build.
try {
  await import('../dist/main.js')
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    process.stderr.write(
      'redlayer: not built yet; run: npx pnpm@10.34.8 turbo run build --filter @redlayer/cli...\n',
    )
    process.exitCode = 2
  } else throw error
}
