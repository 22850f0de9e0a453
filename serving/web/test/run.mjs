// Bundle the logic tests with esbuild (TypeScript to one ES module) and run them with
// node's own test runner: no test framework to install.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(mkdtempSync(join(tmpdir(), "strata-web-test-")), "logic.test.mjs");
await build({ entryPoints: [join(here, "logic.test.ts")], bundle: true, platform: "node", format: "esm", outfile: out, logLevel: "warning" });
const run = spawnSync(process.execPath, ["--test", out], { stdio: "inherit" });
process.exit(run.status ?? 1);
