import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { ApiClient } from "./api.js";
import type { Host } from "./host.js";
import type { Me, Period, Team, User } from "./types.js";

/** Who is signed in, and the organisation's people, teams and periods (loaded once, refreshable). */
export interface Session {
  api: ApiClient;
  host: Host;
  me: Me;
  users: Map<string, User>;
  teams: Team[];
  periods: Period[];
  isAdmin: boolean;
  /** Teams whose OKRs I manage (I own them or a team above them; admins: all). */
  managedTeams: Team[];
  myTeamIds: Set<string>;
  userName(id: string | null | undefined): string;
  ownerName(owner: { type: "user" | "team"; id: string }): string;
  reloadDirectory(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

function ownsTeam(userId: string, team: Team, byId: Map<string, Team>): boolean {
  const seen = new Set<string>();
  for (let t: Team | undefined = team; t && !seen.has(t.id); t = t.parentTeamId ? byId.get(t.parentTeamId) : undefined) {
    seen.add(t.id);
    if (t.ownerIds.includes(userId)) return true;
  }
  return false;
}

export function SessionProvider({ api, host, me, children, fallback }: { api: ApiClient; host: Host; me: Me; children: ReactNode; fallback: ReactNode }) {
  const [directory, setDirectory] = useState<{ users: User[]; teams: Team[]; periods: Period[] } | undefined>();
  const [error, setError] = useState<string | undefined>();

  const reloadDirectory = useCallback(async () => {
    try {
      const [users, teams, periods] = await Promise.all([
        api.all<User>("/users"),
        api.all<Team>("/teams"),
        api.get<{ items: Period[] }>("/periods").then((p) => p.items),
      ]);
      periods.sort((a, b) => b.startDate.localeCompare(a.startDate));
      setDirectory({ users, teams, periods });
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api]);

  useEffect(() => {
    void reloadDirectory();
  }, [reloadDirectory]);

  const session = useMemo<Session | undefined>(() => {
    if (!directory) return undefined;
    const users = new Map(directory.users.map((u) => [u.id, u]));
    users.set(me.user.id, me.user);
    const teamById = new Map(directory.teams.map((t) => [t.id, t]));
    const isAdmin = me.user.orgRole === "owner" || me.user.orgRole === "admin";
    const managedTeams = directory.teams.filter((t) => isAdmin || ownsTeam(me.user.id, t, teamById));
    const myTeamIds = new Set(directory.teams.filter((t) => t.ownerIds.includes(me.user.id) || t.memberIds.includes(me.user.id)).map((t) => t.id));
    const userName = (id: string | null | undefined) => (id ? (users.get(id)?.name ?? "Unknown person") : "—");
    return {
      api,
      host,
      me,
      users,
      teams: directory.teams,
      periods: directory.periods,
      isAdmin,
      managedTeams,
      myTeamIds,
      userName,
      ownerName: (owner) => (owner.type === "team" ? (teamById.get(owner.id)?.name ?? "Unknown team") : userName(owner.id)),
      reloadDirectory,
    };
  }, [api, host, me, directory, reloadDirectory]);

  if (error) throw new Error(error);
  if (!session) return <>{fallback}</>;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
