import { z } from "zod";
import { sqlServerFields } from "../../sql/connectionFields.js";
import { readOnlyQueryProblem } from "../../sql/statement.js";

/**
 * Microsoft SQL Server / Azure SQL: the shared SQL-server fields plus `readOnlyIntent`
 * (ApplicationIntent=ReadOnly, which routes Azure SQL / Always On connections to a readable
 * secondary) and `strictEncryption` (TDS 8: TLS before any TDS byte, tedious `encrypt: 'strict'`;
 * the certificate is always checked then, so it needs a TLS mode other than `disable`). A KR's
 * source is a query, or a stored procedure with literal parameters.
 */
export const mssqlConfig = z
  .object({
    ...sqlServerFields({ port: 1433 }),
    readOnlyIntent: z.boolean().default(false).describe("connect with ApplicationIntent=ReadOnly (Azure SQL and Always On read replicas)"),
    strictEncryption: z.boolean().default(false).describe("SQL Server 2022+ and Azure SQL: TLS before any TDS traffic (TDS 8)"),
  })
  .strict()
  .superRefine((config, check) => {
    if (config.strictEncryption && config.tls === "disable") check.addIssue({ code: "custom", path: ["strictEncryption"], message: "strict encryption needs a TLS mode other than disable" });
  });
export type MssqlConfig = z.infer<typeof mssqlConfig>;

const part = String.raw`(?:\[[A-Za-z_][A-Za-z0-9_ ]*\]|[A-Za-z_][A-Za-z0-9_]*)`;
const procedureName = new RegExp(`^(?:${part}\\.)?${part}$`);
const parameterName = /^@?[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const mssqlSource = z
  .object({
    query: z.string().trim().min(1).max(100_000).optional().describe("one read-only SELECT returning one row with one numeric column, e.g. SELECT COUNT(*) FROM dbo.Orders"),
    procedure: z
      .string()
      .trim()
      .regex(procedureName, "a stored procedure name such as dbo.OpenTickets or [reports].[Revenue]")
      .optional()
      .describe("or a stored procedure whose first result set is one row with one number"),
    parameters: z
      .record(z.string().regex(parameterName, "a parameter name such as @since"), z.union([z.number().finite(), z.string().max(4_000), z.boolean()]))
      .refine((p) => Object.keys(p).length <= 20, "at most 20 parameters")
      .optional()
      .describe("the procedure's parameters by name (numbers, text or true/false)"),
  })
  .strict()
  .superRefine((source, check) => {
    if (Boolean(source.query) === Boolean(source.procedure)) check.addIssue({ code: "custom", path: ["query"], message: "give either a query or a stored procedure" });
    if (source.parameters && !source.procedure) check.addIssue({ code: "custom", path: ["parameters"], message: "parameters go with a stored procedure" });
  });
export type MssqlSource = z.infer<typeof mssqlSource>;

export function sourceProblem(source: MssqlSource): string | null {
  if (source.query) return readOnlyQueryProblem(source.query, "tsql");
  return source.procedure ? null : "Give a query or a stored procedure.";
}

/** `dbo.Name` / `[dbo].[Name]` → `[dbo].[Name]` (the name already passed the strict pattern). */
export const quotedProcedure = (name: string) =>
  name
    .split(".")
    .map((p) => `[${p.replace(/^\[|\]$/g, "")}]`)
    .join(".");

/** A T-SQL literal for a parameter value: numbers as numbers, booleans as 1/0, text as N'…' with quotes doubled. */
export function tsqlLiteral(value: number | string | boolean): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") return String(value);
  return `N'${value.replaceAll("'", "''")}'`;
}
