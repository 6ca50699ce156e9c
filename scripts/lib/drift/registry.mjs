// ADR-0001: every table in a record that mirrors code is compared with that code here. To add
// one, write a module like keyspace-namespaces.mjs and list it below. A comparison declares:
//   adr          the record's number ('0011')
//   what         a few words for messages
//   columns      the table's exact header, which is how the table is found in the record
//   rowKey       the column that names a row
//   compared     { column: reader } for the columns checked against the code (cell-values.mjs)
//   source       the code file that declares the values (its existence decides, see drift.mjs)
//   built        the built module that is imported to read them
//   buildHint    the command that builds it
//   rowsFromModule(module)  -> Map(rowKey -> { column: value }) from the imported module
//   completeRow(values)     optional: fills what an empty cell means
import { guardDefaults } from './guard-defaults.mjs'
import { keyspaceNamespaces } from './keyspace-namespaces.mjs'
import { namespaceKinds } from './namespace-kinds.mjs'

export const DRIFT_CHECKS = [keyspaceNamespaces, namespaceKinds, guardDefaults]
