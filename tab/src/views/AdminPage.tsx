import {
  Button,
  Card,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
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
import { useState } from "react";
import { errorMessage } from "../api.js";
import { DataSourcesAdmin } from "../integrations/DataSourcesAdmin.js";
import { useSession } from "../session.js";
import type { Period, User } from "../types.js";

const useStyles = makeStyles({
  page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL, maxWidth: "960px" },
  row: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "flex-end", flexWrap: "wrap" },
  tableWrap: { overflowX: "auto" },
  periodList: { listStyleType: "none", paddingLeft: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  periodItem: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
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
  const [deleting, setDeleting] = useState<Period | undefined>();
  const [periodNotice, setPeriodNotice] = useState<{ intent: "success" | "error"; text: string } | undefined>();
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

  // A period in use answers 409 with what to move first; that message is shown by the list.
  const deletePeriod = async (period: Period) => {
    setBusy(true);
    setPeriodNotice(undefined);
    try {
      await api.request("DELETE", `/periods/${period.id}`, undefined, { "If-Match": `"${period.version}"` });
      setPeriodNotice({ intent: "success", text: `Deleted the period “${period.name}”.` });
    } catch (e) {
      setPeriodNotice({ intent: "error", text: errorMessage(e) });
    } finally {
      setDeleting(undefined);
      setBusy(false);
      await reloadDirectory();
    }
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

      <DataSourcesAdmin />

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
        {periodNotice && (
          <MessageBar intent={periodNotice.intent} role={periodNotice.intent === "error" ? "alert" : "status"} data-testid="period-notice">
            <MessageBarBody>{periodNotice.text}</MessageBarBody>
          </MessageBar>
        )}
        <ul className={s.periodList} aria-label="Periods">
          {periods.map((p) => (
            <li key={p.id} className={s.periodItem} data-testid="period">
              <Text>
                {p.name} ({p.startDate} – {p.endDate}){p.current ? " · current" : ""}
              </Text>
              {/* The current quarter is not deletable: it would be created again at once. */}
              {isAdmin && !p.current && (
                <Button size="small" disabled={busy} aria-label={`Delete period ${p.name}`} onClick={() => setDeleting(p)}>
                  Delete
                </Button>
              )}
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

      {deleting && (
        <Dialog open onOpenChange={(_, d) => !d.open && setDeleting(undefined)} modalType="alert">
          <DialogSurface data-testid="delete-period-dialog">
            <DialogBody>
              <DialogTitle>Delete the period “{deleting.name}”?</DialogTitle>
              <DialogContent>
                <Text>
                  {deleting.startDate} – {deleting.endDate}. A period that objectives or Power BI feed queries still use is kept, and Pacer says what to move first.
                </Text>
              </DialogContent>
              <DialogActions>
                <Button onClick={() => setDeleting(undefined)}>Cancel</Button>
                <Button appearance="primary" disabled={busy} onClick={() => void deletePeriod(deleting)}>
                  Delete period
                </Button>
              </DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      )}

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
