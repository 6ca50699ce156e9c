import { REQUIRED_SECTIONS } from './adr-records.mjs'

// Fixtures shared by the tests of the ADR check. The tests build record numbers with adrId()
// rather than writing them out, so that they cite no record that does not exist: the check
// reads them too.

/** The text of a well-formed record (or one without the sections in `omit`). */
export function recordText({
  number = '0007',
  title = 'Use a thing',
  status = 'accepted',
  date = '2026-11-22',
  omit = [],
} = {}) {
  const body = REQUIRED_SECTIONS.filter((name) => !omit.includes(name)).flatMap((name) => [
    `## ${name}`,
    '',
    `Text of ${name}.`,
    '',
  ])
  return [`# ${number}. ${title}`, '', `Status: ${status}`, `Date: ${date}`, '', ...body].join('\n')
}
