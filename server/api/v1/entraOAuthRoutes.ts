import { Router } from "express";
import { z } from "zod";
import { AppError, notFound } from "../../../core/errors/appError.js";
import type { ConnectorRegistry } from "../../../core/integrations/contract.js";
import { beginPath, callbackPage, callbackPath, type EntraOAuth } from "../../../sync/oauth/entraOAuth.js";
import { type ApiDescription, operation } from "../../http/apiRoute.js";

/**
 * Microsoft Entra ID sign-in for connections of any connector that declares `entraSignIn`
 * (`/integrations/:id/oauth…`; Azure DevOps' URLs, whose callback admins registered, stay the same).
 */
/** The connector, when it signs in with Entra; else 404. */
function entraConnector(registry: ConnectorRegistry, id: string) {
  const definition = registry.get(id);
  if (!definition?.entraSignIn) throw notFound(`An integration “${id}” that signs in with Microsoft Entra ID`);
  return { displayName: definition.displayName, ...definition.entraSignIn };
}

const notConfigured = (c: { displayName: string; otherwise: string }) =>
  new AppError("oauth_not_configured", 409, `Microsoft Entra ID sign-in for ${c.displayName} is not set up on this Pacer (PACER_ADO_CLIENT_ID); use ${c.otherwise}.`);

/** Authenticated: whether sign-in works, and where to send the browser to sign in for an Entra connection. */
export function entraOAuthRoutes(oauth: EntraOAuth | undefined, registry: ConnectorRegistry, api: ApiDescription): Router {
  const router = Router();
  // Lets the connection form offer Entra sign-in only where it works, before anything is saved.
  operation(
    router,
    api,
    {
      method: "get",
      path: "/integrations/:id/oauth",
      tag: "Connections",
      summary: "Whether Microsoft Entra ID sign-in for this connector is set up on this Pacer (PACER_ADO_CLIENT_ID)",
      response: z.object({ configured: z.boolean(), message: z.string().nullable() }),
    },
    async ({ params }) => {
      const connector = entraConnector(registry, String(params.id));
      return oauth ? { configured: true, message: null } : { configured: false, message: notConfigured(connector).message };
    },
  );
  operation(
    router,
    api,
    {
      method: "post",
      path: "/integrations/:id/oauth/start",
      tag: "Connections",
      summary:
        "Start Microsoft Entra ID sign-in for a connection set to `auth: entra`: answers Entra's sign-in URL (`url`) and the same sign-in through a page of Pacer's (`startUrl`, for Teams' auth window), valid 10 minutes",
      body: z.object({ connectionId: z.string().min(1).max(100) }).strict(),
      response: z.object({ url: z.string(), startUrl: z.string(), expiresAt: z.string() }),
    },
    async ({ req, actor, params, body }) => {
      const id = String(params.id);
      const connector = entraConnector(registry, id);
      if (!oauth) throw notConfigured(connector);
      const origin = `${req.protocol}://${req.get("host")}`;
      const { url, state, expiresAt } = await oauth.start(actor, id, body.connectionId, `${origin}${callbackPath(id)}`);
      return { url, startUrl: `${origin}${beginPath(id)}?${new URLSearchParams({ state })}`, expiresAt: expiresAt.toISOString() };
    },
  );
  return router;
}

/** Unauthenticated (the browser returning from Entra): the state, stored server-side, is the check. */
export function entraOAuthCallbackRoutes(oauth: EntraOAuth | undefined, registry: ConnectorRegistry): Router {
  const router = Router();
  const nameOf = (id: string) => registry.get(id)?.displayName ?? "Microsoft Entra ID";
  const notSetUp = (id: string) => {
    const d = registry.get(id);
    return notConfigured({ displayName: d?.displayName ?? id, otherwise: d?.entraSignIn?.otherwise ?? "another sign-in" });
  };
  const html = (res: import("express").Response) => res.setHeader("Content-Type", "text/html; charset=utf-8");
  router.get(beginPath(":id").replace("/api/v1", ""), async (req, res) => {
    const id = String(req.params.id);
    const state = typeof req.query.state === "string" ? req.query.state : "";
    try {
      if (!oauth) throw notSetUp(id);
      res.redirect(302, await oauth.authorizeUrlFor(id, state));
    } catch (error) {
      html(res);
      res.status(400).send(callbackPage("failed", `${nameOf(id)} sign-in failed`, error instanceof AppError ? error.message : "The sign-in could not be started; start again from Pacer."));
    }
  });
  router.get(callbackPath(":id").replace("/api/v1", ""), async (req, res) => {
    const id = String(req.params.id);
    const q = req.query as Record<string, unknown>;
    const text = (key: string) => (typeof q[key] === "string" ? (q[key] as string) : "");
    html(res);
    const fail = (message: string) => res.status(400).send(callbackPage("failed", `${nameOf(id)} sign-in failed`, message));
    if (!oauth) return void fail(notSetUp(id).message);
    // Entra sends error + error_description when the person cancels or consent is refused.
    if (text("error")) return void fail(`Microsoft Entra ID answered: ${text("error_description").split(/\r?\n/)[0] || text("error")}`);
    if (!text("code") || !text("state")) return void fail("The sign-in answer lacks its code or state; start again from Pacer.");
    try {
      const { connectionName } = await oauth.callback(id, text("code"), text("state"));
      const reads = oauth.signsIn(id)?.entraSignIn.reads ?? "its data";
      res.status(200).send(callbackPage("ok", `${nameOf(id)} is connected`, `“${connectionName}” can now read ${reads}. You can close this window.`));
    } catch (error) {
      fail(error instanceof AppError ? error.message : "The sign-in could not be completed; start again from Pacer.");
    }
  });
  return router;
}
