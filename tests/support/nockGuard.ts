import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";

/**
 * For tests that simulate a vendor API with nock: real network is off during each test (loopback
 * stays reachable when Pacer's own server is called), and afterwards every simulated answer must
 * have been used, so a request the code forgot to make (or a pagination bug) fails the test.
 */
export function guardNock(vendor: string, options: { loopback?: boolean } = {}): void {
  beforeEach(() => {
    nock.disableNetConnect();
    if (options.loopback ?? true) nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending, `every simulated ${vendor} answer was used`).toEqual([]);
  });
}
