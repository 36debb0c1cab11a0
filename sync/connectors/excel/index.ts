import { z } from "zod";
import type { ConnectorDefinition, FetchedValue, Resource } from "../../../core/integrations/contract.js";
import { defaultRateLimit } from "../../../core/integrations/contract.js";
import { entraTokenSecretFields } from "../../oauth/entraTokens.js";
import { authError, configError, resultShapeError } from "../errors.js";
import { appToken, DELEGATED_SCOPE, encodeSharingUrl, type ExcelConfig, type ExcelContext, type ExcelSecrets, graphGet, READ_ROLES, tokenRoles } from "./graph.js";

/**
 * Microsoft Excel (workbooks in OneDrive for Business or SharePoint, through Microsoft Graph): a
 * key result follows one cell (`Sheet1!B7`) or one workbook-scoped named range of one cell.
 *
 * - Connection, one of two sign-ins (`auth`):
 *   - `clientSecret` (app-only): an Entra app registration (tenant id, client id) with its client
 *     secret (sealed); Graph application permission Files.Read.All, or Sites.Selected plus a read
 *     grant on each site that holds a workbook.
 *   - `entra`: a person signs in through Pacer's Entra app (PACER_ADO_CLIENT_ID, delegated
 *     Files.Read.All + User.Read + offline_access); Pacer reads what that person can open, with
 *     tokens sealed in the secrets and renewed before each call (sync/oauth/entraOAuth.ts).
 * - Source: the workbook's sharing link or its OneDrive/SharePoint URL. The link is resolved with
 *   `GET /shares/{u!…}/driveItem` to a drive id and item id, which the pickers put in the source
 *   so fetches go straight to the item; without them each fetch resolves the link first.
 * - Pickers: `GET /connections/:id/resources?search=<workbook link>` lists its worksheets and its
 *   range-type names, each with the source pre-filled.
 * - Value: `GET /drives/{d}/items/{i}/workbook/worksheets/{sheet}/range(address='B7')` or
 *   `…/workbook/names/{name}/range`, read sessionless (never a persistent session). Exactly one cell
 *   holding a number; the raw value is kept (42 % is 0.42) and the cell's text shown in details.
 */
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A1 or A1:B2, with optional `$`. */
const A1 = /^\$?[A-Z]{1,3}\$?[1-9]\d{0,6}(?::\$?[A-Z]{1,3}\$?[1-9]\d{0,6})?$/i;
// Excel forbids these in sheet names: https://support.microsoft.com/office/rename-a-worksheet-3f1f7148-ee83-404d-8ef0-9ff99fbad1f9
const badSheetChars = /[\\/?*[\]:]/;

const config = z
  .object({
    auth: z.enum(["clientSecret", "entra"]).default("clientSecret").describe("an app of your tenant with a client secret (app-only), or Microsoft Entra ID sign-in as a person"),
    tenantId: z
      .string()
      .trim()
      .refine((t) => guid.test(t) || /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(t), "the Entra tenant id (a GUID) or its domain, e.g. contoso.onmicrosoft.com")
      .optional()
      .describe("app-only: the Microsoft Entra tenant (directory) id of the app registration"),
    clientId: z.string().trim().regex(guid, "the app registration's application (client) id, a GUID").optional().describe("app-only: the app registration's application (client) id"),
  })
  .strict()
  .superRefine((c, check) => {
    if (c.auth !== "clientSecret") return;
    if (!c.tenantId) check.addIssue({ code: "custom", path: ["tenantId"], message: "the app registration's tenant id (app-only sign-in)" });
    if (!c.clientId) check.addIssue({ code: "custom", path: ["clientId"], message: "the app registration's client id (app-only sign-in)" });
  });

const secrets = z
  .object({
    clientSecret: z.string().min(1).max(1_024).optional().describe("the app's client secret value (not its secret id); stored encrypted"),
    ...entraTokenSecretFields,
  })
  .strict();

const source = z
  .object({
    workbookUrl: z
      .string()
      .trim()
      .url()
      .max(2_000)
      .refine((u) => /^https:\/\//i.test(u), "an https:// link to the workbook")
      .describe("the workbook's sharing link, or its OneDrive/SharePoint address (https://contoso.sharepoint.com/…/Book.xlsx)"),
    worksheet: z
      .string()
      .trim()
      .max(31)
      .refine((s) => !badSheetChars.test(s), "a worksheet name (Excel names hold none of \\ / ? * [ ] :)")
      .optional()
      .describe("the worksheet holding the cell, e.g. Sheet1"),
    address: z.string().trim().regex(A1, "a cell address such as B7").optional().describe("the cell, e.g. B7"),
    rangeName: z
      .string()
      .trim()
      .regex(/^[A-Za-z_\\][A-Za-z0-9_.\\]{0,254}$/, "a workbook name such as Revenue_Q3")
      .optional()
      .describe("instead of a sheet and cell: a named range of one cell (Formulas › Name Manager)"),
    driveId: z.string().trim().max(200).optional().describe("filled in by the picker: the drive holding the workbook"),
    itemId: z.string().trim().max(200).optional().describe("filled in by the picker: the workbook's item id"),
    workbookName: z.string().trim().max(255).optional().describe("filled in by the picker: the workbook's file name, e.g. Sales 2026.xlsx"),
  })
  .strict()
  .superRefine((s, check) => {
    if (s.rangeName && (s.worksheet || s.address)) check.addIssue({ code: "custom", path: ["rangeName"], message: "a named range, or a worksheet and cell, not both" });
    if (!s.rangeName && !(s.worksheet && s.address)) check.addIssue({ code: "custom", path: ["address"], message: "a worksheet and a cell address (B7), or a named range" });
    if (Boolean(s.driveId) !== Boolean(s.itemId)) check.addIssue({ code: "custom", path: ["itemId"], message: "both the drive id and the item id, or neither" });
  });

type Config = ExcelConfig;
type Secrets = ExcelSecrets;
type Source = z.infer<typeof source>;

/** https://learn.microsoft.com/graph/api/resources/driveitem */
interface DriveItem {
  id: string;
  name: string;
  webUrl?: string;
  file?: { mimeType?: string };
  folder?: unknown;
  parentReference?: { driveId?: string };
}

/** https://learn.microsoft.com/graph/api/resources/workbookrange */
export interface WorkbookRange {
  address?: string;
  cellCount?: number;
  values?: unknown[][];
  text?: string[][];
  numberFormat?: unknown[][];
  valueTypes?: string[][];
}

interface Workbook {
  driveId: string;
  itemId: string;
  name: string;
}

const enc = encodeURIComponent;
const itemPath = (w: Pick<Workbook, "driveId" | "itemId">) => `/drives/${enc(w.driveId)}/items/${enc(w.itemId)}`;

/** The link → the workbook's drive and item (https://learn.microsoft.com/graph/api/shares-get). */
async function resolveWorkbook(ctx: ExcelContext, url: string): Promise<Workbook> {
  const item = await graphGet<DriveItem>(ctx, `/shares/${encodeSharingUrl(url)}/driveItem`, { kind: "share", url });
  if (item.folder || !item.file) throw configError(`The link opens “${item.name}”, which is a folder, not a workbook.`);
  // The Excel API reads Office Open XML workbooks only: https://learn.microsoft.com/graph/api/resources/excel
  if (!/\.(xlsx|xlsm|xlsb)$/i.test(item.name)) throw configError(`“${item.name}” is not an Excel workbook (.xlsx): Microsoft Graph reads only .xlsx, .xlsm and .xlsb files.`);
  const driveId = item.parentReference?.driveId;
  if (!driveId) throw configError(`Microsoft Graph did not say which drive holds “${item.name}”.`);
  return { driveId, itemId: item.id, name: item.name };
}

async function workbookOf(ctx: ExcelContext, src: Source): Promise<Pick<Workbook, "driveId" | "itemId">> {
  return src.driveId && src.itemId ? { driveId: src.driveId, itemId: src.itemId } : resolveWorkbook(ctx, src.workbookUrl);
}

const quote = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}…` : text);

/** One cell holding a number → the value; anything else is a result-shape error naming what was there. */
export function singleCell(range: WorkbookRange, where: string): FetchedValue {
  const address = range.address ?? where;
  const rows = range.values ?? [];
  const cells = range.cellCount ?? rows.reduce((n, row) => n + row.length, 0);
  if (cells !== 1 || rows.length !== 1 || rows[0]!.length !== 1) throw resultShapeError(`${address} holds ${cells} cells; point the key result at exactly one cell.`);
  const value = rows[0]![0];
  const type = range.valueTypes?.[0]?.[0];
  const text = range.text?.[0]?.[0] ?? (value === null || value === undefined ? "" : String(value));
  if (type === "Empty" || value === "" || value === null || value === undefined) throw resultShapeError(`${address} is empty; it needs a number.`);
  if (type === "Error") throw resultShapeError(`${address} shows the error ${quote(text)}, not a number.`);
  if (type === "Boolean" || typeof value === "boolean") throw resultShapeError(`${address} holds ${String(value).toUpperCase()}, not a number.`);
  if (typeof value !== "number" || !Number.isFinite(value)) throw resultShapeError(`${address} holds the text “${quote(String(value))}”, not a number.`);
  return { value, details: `${text || String(value)} (${address})`, asOf: new Date() };
}

const excel: ConnectorDefinition<Config, Secrets, Source> = {
  id: "excel",
  displayName: "Microsoft Excel",
  description: "Follow one cell or named range of an Excel workbook in OneDrive or SharePoint, through Microsoft Graph.",
  icon:
    "data:image/svg+xml;base64," +
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#107c41"/><path d="M9 9h4l3 5 3-5h4l-5 7 5 7h-4l-3-5-3 5H9l5-7z" fill="#fff"/></svg>',
    ).toString("base64"),
  type: "data",
  category: "in-boundary-m365",
  termsUrl: "https://www.microsoft.com/licensing/terms/productoffering/Microsoft365",
  docsUrl: "https://github.com/pacer-okr/pacer#microsoft-excel",
  mode: "pull",
  schemas: { connectionConfig: config, secrets, sourceConfig: source },
  // Graph throttles per app and tenant, and the Excel API is slower than most of Graph: stay modest.
  // A 429 without Retry-After waits a minute (https://learn.microsoft.com/graph/throttling).
  rateLimit: { ...defaultRateLimit, maxConcurrentPerConnection: 2, maxAttempts: 3, baseDelayMs: 1_000, defaultRetryAfterMs: 60_000 },
  entraSignIn: { scope: DELEGATED_SCOPE, reads: "workbooks", otherwise: "an app with a client secret (app-only)", otherFields: ["tenantId", "clientId", "clientSecret"] },
  resourcePicker: {
    label: "Workbook link",
    hint: "Paste the workbook's sharing link or its OneDrive/SharePoint address, then pick a worksheet (and type the cell) or a named range.",
    placeholder: "https://contoso.sharepoint.com/:x:/…",
    listLabel: "Worksheets and named ranges",
    idFields: ["driveId", "itemId", "workbookName"],
    nameField: "workbookName",
    detailFields: ["worksheet", "rangeName"],
  },

  async testConnection(ctx) {
    if (ctx.config.auth === "entra") {
      // https://learn.microsoft.com/graph/api/user-get
      const me = await graphGet<{ displayName?: string; userPrincipalName?: string }>(ctx, "/me?$select=displayName,userPrincipalName", { kind: "workbook" });
      return { message: `Signed in to Microsoft Graph as ${me.displayName ?? "?"} (${me.userPrincipalName ?? "?"}): Pacer reads the workbooks this account can open.` };
    }
    const token = await appToken(ctx);
    const roles = tokenRoles(token);
    const who = `app ${ctx.config.clientId} in tenant ${ctx.config.tenantId}`;
    if (roles === null) return { message: `Signed in to Microsoft Graph as ${who}.` };
    const reading = roles.filter((r) => READ_ROLES.includes(r));
    if (reading.length === 0) {
      throw authError(
        `Signed in as ${who}, but the app has no Graph application permission to read files${roles.length ? ` (it has ${roles.join(", ")})` : ""}: add Files.Read.All, or Sites.Selected with a site grant, and grant admin consent.`,
      );
    }
    const selected = reading.length === 1 && reading[0] === "Sites.Selected" ? " Sites.Selected reads only sites granted to the app." : "";
    return { message: `Signed in to Microsoft Graph as ${who} with ${reading.join(", ")}.${selected}` };
  },

  /** `search` is a workbook link: its worksheets and one-cell-capable named ranges, with the source filled in. */
  async listResources(ctx, { search }) {
    const url = (search ?? "").trim();
    if (!/^https:\/\//i.test(url)) return [];
    const book = await resolveWorkbook(ctx, url);
    const base = { workbookUrl: url, driveId: book.driveId, itemId: book.itemId, workbookName: book.name.slice(0, 255) };
    // https://learn.microsoft.com/graph/api/workbook-list-worksheets and https://learn.microsoft.com/graph/api/workbook-list-names
    const sheets = await graphGet<{ value: Array<{ id: string; name: string; visibility?: string }> }>(ctx, `${itemPath(book)}/workbook/worksheets`, { kind: "workbook" });
    const names = await graphGet<{ value: Array<{ name: string; type?: string; value?: unknown; visible?: boolean }> }>(ctx, `${itemPath(book)}/workbook/names`, { kind: "workbook" });
    const out: Resource[] = sheets.value.map((s) => ({ id: s.id, name: s.name, kind: "worksheet", source: { ...base, worksheet: s.name } }));
    for (const n of names.value) {
      if (n.type !== "Range" || n.visible === false) continue;
      out.push({ id: n.name, name: typeof n.value === "string" ? `${n.name} (${n.value})` : n.name, kind: "namedRange", source: { ...base, rangeName: n.name } });
    }
    return out;
  },

  async fetchValue(ctx, src) {
    const book = await workbookOf(ctx, src);
    if (src.rangeName) {
      const range = await graphGet<WorkbookRange>(ctx, `${itemPath(book)}/workbook/names/${enc(src.rangeName)}/range`, { kind: "name", name: src.rangeName });
      const got = singleCell(range, src.rangeName);
      return { ...got, details: `${got.details?.replace(/ \(([^)]*)\)$/, ` (${src.rangeName}, $1)`)}` };
    }
    const worksheet = src.worksheet!;
    const address = src.address!.toUpperCase();
    const range = await graphGet<WorkbookRange>(ctx, `${itemPath(book)}/workbook/worksheets/${enc(worksheet)}/range(address='${address}')`, {
      kind: "sheet",
      worksheet,
      address,
    });
    return singleCell(range, `${worksheet}!${address}`);
  },

  sourceUrl: (_config, src) => src.workbookUrl,
};

export default excel;
