import { beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { RateLimitedError } from "../../../sync/connectors/errors.js";
import excel from "../../../sync/connectors/excel/index.js";
import { clearExcelTokens, encodeSharingUrl } from "../../../sync/connectors/excel/graph.js";
import { guardNock } from "../../support/nockGuard.js";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  DRIVE,
  encodedLink,
  ITEM,
  SHARING_LINK,
  simulateNamedRange,
  simulateNames,
  simulateRange,
  simulateShare,
  simulateToken,
  simulateWorksheets,
  TENANT,
} from "../../fixtures/excel/answers.js";
import { connectorErrorFrom } from "../../support/thrown.js";

/**
 * The "excel" connector (sync/connectors/excel/) against a simulated Microsoft Entra ID and
 * Microsoft Graph: every answer is a fixture shaped as documented (tests/fixtures/excel/*.json,
 * doc URL in each).
 */
const log = createLogger("silent");
const config = { auth: "clientSecret" as const, tenantId: TENANT, clientId: CLIENT_ID };
const ctx = (secrets: Record<string, unknown> = { clientSecret: CLIENT_SECRET }) => connectorContext({ config, secrets, log });
const cell = { workbookUrl: SHARING_LINK, driveId: DRIVE, itemId: ITEM, worksheet: "Sheet1", address: "B7" };

guardNock("Microsoft Graph", { loopback: false });
beforeEach(() => clearExcelTokens());

describe("Excel connector: sign-in", () => {
  it("encodes sharing links as Graph documents it (u! + unpadded base64url)", () => {
    expect(encodeSharingUrl(SHARING_LINK)).toBe(encodedLink());
    // The documentation's own example: https://learn.microsoft.com/graph/api/shares-get#encoding-sharing-urls
    expect(encodeSharingUrl("https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1")).toBe(
      "u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx",
    );
  });

  it("tests the connection with a client-credentials token and names the app's file permission", async () => {
    simulateToken();
    const result = await excel.testConnection(ctx());
    expect(result.message).toBe(`Signed in to Microsoft Graph as app ${CLIENT_ID} in tenant ${TENANT} with Sites.Selected. Sites.Selected reads only sites granted to the app.`);
  });

  it("a wrong secret is an auth error with Entra's code; a token without file permission names what to add", async () => {
    simulateToken("token-invalid-client", "wrong");
    const bad = await connectorErrorFrom(excel.testConnection(ctx({ clientSecret: "wrong" })));
    expect(bad.type).toBe("auth");
    expect(bad.message).toMatch(/^Microsoft Entra ID refused the app's credentials \(AADSTS7000215: Invalid client secret provided\./);

    simulateToken("token-no-file-permission");
    const none = await connectorErrorFrom(excel.testConnection(ctx()));
    expect(none.type).toBe("auth");
    expect(none.message).toMatch(/no Graph application permission to read files \(it has User\.Read\.All\): add Files\.Read\.All, or Sites\.Selected/);
  });

  it("a missing secret is a config error, before any request", async () => {
    expect((await connectorErrorFrom(excel.testConnection(ctx({})))).type).toBe("config");
  });

  it("caches the token until it nears expiry: two fetches, one token request", async () => {
    simulateToken();
    simulateRange("range-percent");
    simulateRange("range-percent");
    await excel.fetchValue!(ctx(), cell);
    await excel.fetchValue!(ctx(), cell);
  });
});

describe("Excel connector: pickers", () => {
  it("resolves a sharing link and lists its worksheets and range names, with the source filled in", async () => {
    simulateToken();
    simulateShare();
    simulateWorksheets();
    simulateNames();
    const items = await excel.listResources!(ctx(), { search: SHARING_LINK });
    const base = { workbookUrl: SHARING_LINK, driveId: DRIVE, itemId: ITEM, workbookName: "OKR metrics FY27.xlsx" };
    expect(items).toEqual([
      { id: "{00000000-0001-0000-0000-000000000000}", name: "Sheet1", kind: "worksheet", source: { ...base, worksheet: "Sheet1" } },
      { id: "{00000000-0001-0000-0100-000000000000}", name: "Q3 targets", kind: "worksheet", source: { ...base, worksheet: "Q3 targets" } },
      // TaxRate is a constant (type Double), not a range: not offered.
      { id: "Revenue_Q3", name: "Revenue_Q3 (='Q3 targets'!$C$4)", kind: "namedRange", source: { ...base, rangeName: "Revenue_Q3" } },
    ]);
    expect(excel.resourcePicker).toMatchObject({ nameField: "workbookName", detailFields: ["worksheet", "rangeName"], idFields: ["driveId", "itemId", "workbookName"] });
  });

  it("no link, no request; a link to a CSV or to nothing is a config error", async () => {
    expect(await excel.listResources!(ctx(), { search: "Sheet1" })).toEqual([]);
    simulateToken();
    simulateShare("share-driveitem-csv");
    const csv = await connectorErrorFrom(excel.listResources!(ctx(), { search: SHARING_LINK }));
    expect(csv).toMatchObject({ type: "config", message: expect.stringMatching(/“export\.csv” is not an Excel workbook/) });
    simulateShare("error-share-not-found");
    const gone = await connectorErrorFrom(excel.listResources!(ctx(), { search: SHARING_LINK }));
    expect(gone).toMatchObject({ type: "config", message: expect.stringMatching(/^No file found for this link \(itemNotFound: The sharing link no longer exists/) });
  });
});

describe("Excel connector: values", () => {
  it("reads one cell: a percentage keeps its raw fraction and shows its text", async () => {
    simulateToken();
    simulateRange("range-percent");
    const got = await excel.fetchValue!(ctx(), cell);
    expect(got).toMatchObject({ value: 0.42, details: "42% (Sheet1!B7)" });
  });

  it("resolves the link first when the source has no drive and item ids", async () => {
    simulateToken();
    simulateShare();
    simulateRange("range-percent");
    expect((await excel.fetchValue!(ctx(), { workbookUrl: SHARING_LINK, worksheet: "Sheet1", address: "b7" })).value).toBe(0.42);
  });

  it("reads a named range, with the name in the details", async () => {
    simulateToken();
    simulateNamedRange("name-range");
    const got = await excel.fetchValue!(ctx(), { workbookUrl: SHARING_LINK, driveId: DRIVE, itemId: ITEM, rangeName: "Revenue_Q3" });
    expect(got).toMatchObject({ value: 1_250_000, details: "$1,250,000 (Revenue_Q3, 'Q3 targets'!C4)" });
  });

  it("text, empty and multi-cell ranges are result-shape errors that say what was there", async () => {
    simulateToken();
    simulateRange("range-text");
    expect(await connectorErrorFrom(excel.fetchValue!(ctx(), cell))).toMatchObject({ type: "resultShape", message: "Sheet1!B7 holds the text “n/a”, not a number." });
    simulateRange("range-empty");
    expect(await connectorErrorFrom(excel.fetchValue!(ctx(), cell))).toMatchObject({ type: "resultShape", message: "Sheet1!B7 is empty; it needs a number." });
    simulateRange("range-multi", "Sheet1", "B7:C8");
    expect(await connectorErrorFrom(excel.fetchValue!(ctx(), { ...cell, address: "B7:C8" }))).toMatchObject({
      type: "resultShape",
      message: "Sheet1!B7:C8 holds 4 cells; point the key result at exactly one cell.",
    });
  });

  it("maps Graph's errors: 404 config, 400 InvalidArgument config, 403 auth naming the permission, 429 rate limited, 503 transient or rate limited", async () => {
    simulateToken();
    simulateRange("error-item-not-found", "Old name");
    expect(await connectorErrorFrom(excel.fetchValue!(ctx(), { ...cell, worksheet: "Old name" }))).toMatchObject({
      type: "config",
      message: "The workbook or its sheet “Old name” was not found (ItemNotFound: The requested resource doesn't exist.): the workbook was moved or deleted, or the sheet was renamed.",
    });
    simulateRange("error-invalid-argument", "Sheet1", "XFE1");
    expect(await connectorErrorFrom(excel.fetchValue!(ctx(), { ...cell, address: "XFE1" }))).toMatchObject({ type: "config", message: expect.stringMatching(/^Excel refused the cell address “XFE1” on sheet “Sheet1” \(InvalidArgument/) });
    simulateRange("error-access-denied");
    expect(await connectorErrorFrom(excel.fetchValue!(ctx(), cell))).toMatchObject({ type: "auth", message: expect.stringMatching(/Files\.Read\.All, or Sites\.Selected with a read grant/) });
    simulateRange("error-throttled");
    const throttled = await connectorErrorFrom(excel.fetchValue!(ctx(), cell));
    expect(throttled).toBeInstanceOf(RateLimitedError);
    expect((throttled as RateLimitedError).retryAfterMs).toBe(30_000);
    simulateRange("error-service-unavailable");
    expect(await connectorErrorFrom(excel.fetchValue!(ctx(), cell))).toMatchObject({ type: "transient", message: expect.stringMatching(/^Microsoft Graph answered HTTP 503/) });
  });

  it("refuses a source that is neither a cell nor a named range, and an address that is not A1", () => {
    const parse = (s: unknown) => excel.schemas.sourceConfig.safeParse(s);
    expect(parse({ workbookUrl: SHARING_LINK, worksheet: "Sheet1" }).success).toBe(false);
    expect(parse({ workbookUrl: SHARING_LINK, worksheet: "Sheet1", address: "R7C2" }).success).toBe(false);
    expect(parse({ workbookUrl: SHARING_LINK, rangeName: "Revenue_Q3", address: "B7", worksheet: "Sheet1" }).success).toBe(false);
    expect(parse({ workbookUrl: "http://contoso.sharepoint.com/x.xlsx", rangeName: "Revenue_Q3" }).success).toBe(false);
    expect(parse({ workbookUrl: SHARING_LINK, rangeName: "Revenue_Q3" }).success).toBe(true);
    expect(parse({ ...cell, workbookName: "OKR metrics FY27.xlsx" }).success).toBe(true);
    expect(parse({ ...cell, workbookName: `${"x".repeat(251)}.xlsx` }).success).toBe(false);
    expect(excel.sourceUrl!(config, cell)).toBe(SHARING_LINK);
  });
});
