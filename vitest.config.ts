import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The end-to-end suites start Java (DynamoDB Local) and synthesize the CDK app: give them room.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: keep the heavy suites from starving each other.
    maxWorkers: 2,
    // The handlers' info lines (ids only) would bury the test report; errors still print.
    env: { FRIST_QUIET: "1" },
  },
});
