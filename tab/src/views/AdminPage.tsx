import {
  Button,
  Card,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title3,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { useCallback, useEffect, useState } from "react";
import { ApiRequestError, errorMessage } from "../api.js";
import { useSession } from "../session.js";
import type { User } from "../types.js";

const useStyles = makeStyles({
  page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL, maxWidth: "960px" },
  row: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "flex-end", flexWrap: "wrap" },
  tableWrap: { overflowX: "auto" },
});

type Role = User["orgRole"];

/** Organisation settings: people's roles, periods, data sources. Loaded on demand (code-split). */
export default function AdminPage() {
  const s = useStyles();
  const { api, me, users, periods, isAdmin, teams, userName, reloadDirectory } = useSession();
  const [notice, setNotice] = useState<{ intent: "success" | "error"; text: string } | undefined>();
  const [quarter, setQuarter] = useState("");
  const [quarterError, setQuarterError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const isOwner = me.user.orgRole === "owner";

  const run = async (action: () => Promise<unknown>, success: string) => {
    setBusy(true);
    setNotice(undefined);
    try {
      await action();
      await reloadDirectory();
      setNotice({ intent: "success", text: success });
    } catch (e) {
      setNotice({ intent: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  const setRole = (user: User, orgRole: Role) => void run(() => api.patch(`/users/${user.id}/role`, { orgRole }), `${user.name} is now ${orgRole}.`);

  const addQuarter = () => {
    if (!/^\d{4}-Q[1-4]$/.test(quarter.trim())) {
      setQuarterError("Write the quarter like 2027-Q1.");
      return;
    }
    setQuarterError(undefined);
    void run(() => api.post("/periods", { quarter: quarter.trim() }), `Added ${quarter.trim()}.`);
  };

  const people = [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section className={s.page} aria-labelledby="admin-title">
      <Title3 as="h2" id="admin-title">
        Admin
      </Title3>
      {!isAdmin && (
        <MessageBar intent="info" data-testid="admin-readonly">
          <MessageBarBody>
            <MessageBarTitle>Read only</MessageBarTitle>
            Only organisation owners and admins change people's roles. You are a {me.user.orgRole}.
          </MessageBarBody>
        </MessageBar>
      )}
      {notice && (
        <MessageBar intent={notice.intent} role={notice.intent === "error" ? "alert" : "status"} data-testid="notice">
          <MessageBarBody>{notice.text}</MessageBarBody>
        </MessageBar>
      )}

      <DataSources />

      <Card>
        <Subtitle2 as="h3">People and roles</Subtitle2>
        <div className={s.tableWrap}>
          <Table aria-label="People and their roles" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Email</TableHeaderCell>
                <TableHeaderCell>Role</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {people.map((u) => (
                <TableRow key={u.id} data-testid="person">
                  <TableCell>{u.name}</TableCell>
                  <TableCell>{u.email ?? "—"}</TableCell>
                  <TableCell>
                    <Select
                      aria-label={`Role of ${u.name}`}
                      value={u.orgRole}
                      disabled={!isAdmin || busy || ((u.orgRole === "owner") && !isOwner)}
                      onChange={(_, d) => setRole(u, d.value as Role)}
                      size="small"
                    >
                      <option value="member">Member</option>
                      <option value="admin">Admin</option>
                      <option value="owner" disabled={!isOwner}>
                        Owner
                      </option>
                    </Select>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      </Card>

      <Card>
        <Subtitle2 as="h3">Periods</Subtitle2>
        <ul>
          {periods.map((p) => (
            <li key={p.id}>
              <Text>
                {p.name} ({p.startDate} – {p.endDate}){p.current ? " · current" : ""}
              </Text>
            </li>
          ))}
        </ul>
        {/* Quarters are calendar facts: the API lets anyone add one (custom periods are for admins). */}
        {(
          <form
            className={s.row}
            onSubmit={(e) => {
              e.preventDefault();
              addQuarter();
            }}
          >
            <Field label="Add a quarter" validationMessage={quarterError}>
              <Input value={quarter} onChange={(_, d) => setQuarter(d.value)} placeholder="2027-Q1" name="quarter" />
            </Field>
            <Button type="submit" disabled={busy}>
              Add
            </Button>
          </form>
        )}
      </Card>

      <Card>
        <Subtitle2 as="h3">Teams</Subtitle2>
        <ul>
          {teams.map((t) => (
            <li key={t.id}>
              <Text>
                {t.name}: owners {t.ownerIds.map(userName).join(", ") || "—"}, {t.memberIds.length} members
              </Text>
            </li>
          ))}
        </ul>
      </Card>
    </section>
  );
}

interface IntegrationItem {
  id: string;
  displayName: string;
  description: string;
  icon: string;
  allowed: boolean;
  state: string;
  docsUrl?: string;
}
interface IntegrationCatalogue {
  you: { orgAdmin: boolean; canCreateConnections: boolean };
  items: IntegrationItem[];
}

/**
 * The integrations catalogue (GET /api/v1/integrations) with enable / disable for org admins.
 * Creating connections and linking key results to them is not in the tab yet.
 */
function DataSources() {
  const { api } = useSession();
  const [catalogue, setCatalogue] = useState<IntegrationCatalogue | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      setCatalogue(await api.get<IntegrationCatalogue>("/integrations"));
    } catch (e) {
      if (e instanceof ApiRequestError && e.status === 404) setMissing(true);
      else setError(errorMessage(e));
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  const toggle = async (item: IntegrationItem) => {
    setBusy(item.id);
    setError(undefined);
    try {
      setCatalogue(await api.post<IntegrationCatalogue>(`/integrations/${item.id}/${item.state === "enabled" ? "disable" : "enable"}`, {}));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Card>
      <Subtitle2 as="h3">Data sources</Subtitle2>
      {error && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      {missing ? (
        <Text>This Pacer server does not offer integrations.</Text>
      ) : !catalogue ? (
        !error && <Text>Loading…</Text>
      ) : (
        <ul style={{ listStyle: "none", padding: 0, margin: 0, display: "flex", flexDirection: "column", gap: 12 }} aria-label="Integrations" data-testid="integrations">
          {catalogue.items.map((item) => (
            <li key={item.id} style={{ display: "flex", gap: 12, alignItems: "center" }} data-testid="integration">
              <img src={item.icon} alt="" width={32} height={32} />
              <div style={{ flex: 1, minWidth: 0 }}>
                <Text weight="semibold" block>
                  {item.displayName} · {item.allowed ? item.state : "not allowed by your tenant"}
                </Text>
                <Text size={200} block>
                  {item.description}
                </Text>
              </div>
              {catalogue.you.orgAdmin && item.allowed && (
                <Button size="small" disabled={busy === item.id} onClick={() => void toggle(item)} aria-label={`${item.state === "enabled" ? "Disable" : "Enable"} ${item.displayName}`}>
                  {item.state === "enabled" ? "Disable" : "Enable"}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <MessageBar intent="warning" data-testid="integrations-unavailable">
        <MessageBarBody>
          <MessageBarTitle>Connecting a data source is not yet available in the app</MessageBarTitle>
          Creating connections and linking key results to them comes in a later version of the tab; use the REST API (<code>/api/v1/integrations</code>,{" "}
          <code>/api/v1/key-results/&#123;id&#125;/link</code>) meanwhile.
        </MessageBarBody>
      </MessageBar>
    </Card>
  );
}
