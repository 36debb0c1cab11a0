import { Router } from "express";
import { z } from "zod";
import { AppError } from "../../../core/errors/appError.js";
import { type AdoOAuth, BEGIN_PATH, CALLBACK_PATH, callbackPage } from "../../../sync/oauth/adoOAuth.js";
import { type ApiDescription, operation } from "../../http/apiRoute.js";

const notConfigured = () =>
  new AppError("oauth_not_configured", 409, "Microsoft Entra ID sign-in for Azure DevOps is not set up on this Pacer (PACER_ADO_CLIENT_ID); use a personal access token.");

/** Authenticated: where to send the browser to sign in for an Entra connection. */
export function adoOAuthRoutes(oauth: AdoOAuth | undefined, api: ApiDescription): Router {
  const router = Router();
  // Lets the connection form offer Entra sign-in only where it works, before anything is saved.
  operation(
    router,
    api,
    {
      method: "get",
      path: "/integrations/azuredevops/oauth",
      tag: "Connections",
      summary: "Whether Microsoft Entra ID sign-in for Azure DevOps is set up on this Pacer (PACER_ADO_CLIENT_ID)",
      response: z.object({ configured: z.boolean(), message: z.string().nullable() }),
    },
    async () => ({ configured: oauth !== undefined, message: oauth ? null : notConfigured().message }),
  );
  operation(
    router,
    api,
    {
      method: "post",
      path: "/integrations/azuredevops/oauth/start",
      tag: "Connections",
      summary:
        "Start Microsoft Entra ID sign-in for an Azure DevOps connection: answers Entra's sign-in URL (`url`) and the same sign-in through a page of Pacer's (`startUrl`, for Teams' auth window), valid 10 minutes",
      body: z.object({ connectionId: z.string().min(1).max(100) }).strict(),
      response: z.object({ url: z.string(), startUrl: z.string(), expiresAt: z.string() }),
    },
    async ({ req, actor, body }) => {
      if (!oauth) throw notConfigured();
      const origin = `${req.protocol}://${req.get("host")}`;
      const { url, state, expiresAt } = await oauth.start(actor, body.connectionId, `${origin}${CALLBACK_PATH}`);
      return { url, startUrl: `${origin}${BEGIN_PATH}?${new URLSearchParams({ state })}`, expiresAt: expiresAt.toISOString() };
    },
  );
  return router;
}

/** Unauthenticated (the browser returning from Entra): the state, stored server-side, is the check. */
export function adoOAuthCallbackRoutes(oauth: AdoOAuth | undefined): Router {
  const router = Router();
  router.get(BEGIN_PATH.replace("/api/v1", ""), async (req, res) => {
    const state = typeof req.query.state === "string" ? req.query.state : "";
    try {
      if (!oauth) throw notConfigured();
      res.redirect(302, await oauth.authorizeUrlFor(state));
    } catch (error) {
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.status(400).send(callbackPage("failed", "Azure DevOps sign-in failed", error instanceof AppError ? error.message : "The sign-in could not be started; start again from Pacer."));
    }
  });
  router.get(CALLBACK_PATH.replace("/api/v1", ""), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const text = (key: string) => (typeof q[key] === "string" ? (q[key] as string) : "");
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    const fail = (message: string) => res.status(400).send(callbackPage("failed", "Azure DevOps sign-in failed", message));
    if (!oauth) return void fail(notConfigured().message);
    // Entra sends error + error_description when the person cancels or consent is refused.
    if (text("error")) return void fail(`Microsoft Entra ID answered: ${text("error_description").split(/\r?\n/)[0] || text("error")}`);
    if (!text("code") || !text("state")) return void fail("The sign-in answer lacks its code or state; start again from Pacer.");
    try {
      const { connectionName } = await oauth.callback(text("code"), text("state"));
      res.status(200).send(callbackPage("ok", "Azure DevOps is connected", `“${connectionName}” can now read work items. You can close this window.`));
    } catch (error) {
      fail(error instanceof AppError ? error.message : "The sign-in could not be completed; start again from Pacer.");
    }
  });
  return router;
}
