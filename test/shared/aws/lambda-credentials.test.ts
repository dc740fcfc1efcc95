import { describe, expect, it } from "vitest";
import { defaultProvider } from "../../../shared/aws/lambda-credentials";

/** The bundles' credential provider: the execution role's credentials from Lambda's environment. */
describe("defaultProvider (deployed bundles)", () => {
  it("returns the credentials Lambda puts in the environment, session token included", async () => {
    process.env.AWS_ACCESS_KEY_ID = "ASIAEXAMPLEROLE";
    process.env.AWS_SECRET_ACCESS_KEY = "example-secret";
    process.env.AWS_SESSION_TOKEN = "example-session";
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: "ASIAEXAMPLEROLE",
      secretAccessKey: "example-secret",
      sessionToken: "example-session",
    });
  });

  it("fails with the SDK's CredentialsProviderError when the environment has none", async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await expect(defaultProvider()()).rejects.toMatchObject({ name: "CredentialsProviderError" });
  });
});
