/** `npm run doctor` (see tools/doctor/cli.ts): the command line, its output and its exit code. */
import { runCli } from "./cli";

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
});
