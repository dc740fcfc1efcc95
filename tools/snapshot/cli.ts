/**
 * npm run snapshot -- --region <r> --out my-account.json [--profile <p>] [--config config/<stage>.json]
 *                     [--vpc vpc-…]… [--tag Key=Value]… [--max-attempts N]
 *
 * Reads the account with read-only calls (the resources the toolkit looks at) and writes them as a
 * simulated-account fixture (docs/snapshot.md). Exit 0 written, 1 AWS error (nothing written), 2 bad usage.
 */
import { runSnapshotCli } from "./main";

process.exitCode = await runSnapshotCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
