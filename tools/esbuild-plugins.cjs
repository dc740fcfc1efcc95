// esbuild plugins used by serverless-esbuild (see serverless.yml `custom.esbuild.plugins`) and by the
// benchmark. CommonJS because serverless-esbuild require()s this file.
const { readFile } = require("node:fs/promises");
const { join } = require("node:path");

/**
 * AWS SDK v3 clients describe every operation in one schema module whose objects use computed keys
 * (`{ [_xN]: _II }`, where `_xN` is a string constant). esbuild treats a computed key as possibly
 * side-effecting and so keeps every schema of the service, ~550 KB for EC2. Inlining the constant keys
 * makes the literals pure and lets tree shaking keep only the schemas the toolkit's commands reach
 * (measured: the EC2 client alone goes from 851 KB to 319 KB minified).
 */
const inlineSdkSchemaKeys = {
  name: "inline-sdk-schema-keys",
  setup(build) {
    build.onLoad(
      { filter: /@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
      async (args) => {
        const source = await readFile(args.path, "utf8");
        const constants = new Map();
        for (const match of source.matchAll(/^const (_[A-Za-z0-9_]+) = ("(?:[^"\\]|\\.)*");$/gm)) {
          constants.set(match[1], match[2]);
        }
        const contents = source.replace(/\[(_[A-Za-z0-9_]+)\]:/g, (whole, name) =>
          constants.has(name) ? `${constants.get(name)}:` : whole,
        );
        return { contents, loader: "js" };
      },
    );
  },
};

/**
 * Lambda bundles take credentials from the environment only (see shared/aws/lambda-credentials.ts): the
 * SDK's default provider chain is swapped for it, which drops the chain's SSO/INI/process/web-identity
 * providers and the nested STS/SSO clients from every bundle.
 */
const lambdaEnvironmentCredentials = {
  name: "lambda-environment-credentials",
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: join(__dirname, "..", "shared", "aws", "lambda-credentials.ts"),
    }));
  },
};

module.exports = [inlineSdkSchemaKeys, lambdaEnvironmentCredentials];
