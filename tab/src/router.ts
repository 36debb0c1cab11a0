import { useEffect, useState } from "react";

/** Hash routes: `#/my`, `#/org`, `#/kr/<id>`, `#/project/<id>`, `#/config`, `#/team/<id>`, `#/admin`, `#/privacy`, `#/terms`. */
export type Route =
  | { name: "my" }
  | { name: "org" }
  | { name: "kr"; id: string }
  | { name: "project"; id: string }
  | { name: "config" }
  | { name: "team"; id: string }
  | { name: "admin" }
  | { name: "privacy" }
  | { name: "terms" }
  | { name: "notFound"; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "").split("?")[0] ?? "";
  const [first = "", second] = path.split("/").filter(Boolean);
  switch (first) {
    case "":
    case "my":
      return { name: "my" };
    case "org":
      return { name: "org" };
    case "config":
      return { name: "config" };
    case "admin":
      return { name: "admin" };
    case "privacy":
      return { name: "privacy" };
    case "terms":
      return { name: "terms" };
    case "kr":
      return second ? { name: "kr", id: decodeURIComponent(second) } : { name: "notFound", path };
    case "project":
      return second ? { name: "project", id: decodeURIComponent(second) } : { name: "notFound", path };
    case "team":
      return second ? { name: "team", id: decodeURIComponent(second) } : { name: "notFound", path };
    default:
      return { name: "notFound", path };
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export const href = (path: string) => `#${path}`;

export function navigate(path: string): void {
  window.location.hash = path;
}
