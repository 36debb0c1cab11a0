import type { Request, RequestHandler } from "express";
import type { Authenticator } from "../../core/auth/authenticator.js";
import type { Caller, CallerResolver } from "../../core/auth/callerResolver.js";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      caller?: Caller;
    }
  }
}

/** Verifies the bearer token and attaches the caller (organisation + user) to the request. */
export function authenticate(authenticator: Authenticator, resolver: CallerResolver): RequestHandler {
  return async (req, _res, next) => {
    const principal = await authenticator.authenticate(req.headers.authorization);
    req.caller = await resolver.resolve(principal);
    req.log?.setBindings?.({ tenantId: req.caller.tenantId, userId: req.caller.user._id });
    next();
  };
}

/** The authenticated caller; routes behind `authenticate` can rely on it. */
export function callerOf(req: Request): Caller {
  if (!req.caller) throw new Error("route is not behind authenticate()");
  return req.caller;
}
