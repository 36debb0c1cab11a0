import {
  FluentProvider,
  Link,
  MessageBar,
  MessageBarBody,
  Spinner,
  Tab,
  TabList,
  Text,
  Title2,
  makeStyles,
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  tokens,
} from "@fluentui/react-components";
import { Component, Suspense, lazy, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiClient, errorMessage } from "./api.js";
import { onTeamsThemeChange, type Host, type Theme } from "./host.js";
import { href, navigate, useRoute, type Route } from "./router.js";
import { SessionProvider, useSession } from "./session.js";
import type { Me } from "./types.js";
import { ConfigPage } from "./views/ConfigPage.js";
import { KeyResultDetail } from "./views/KeyResultDetail.js";
import { OkrList } from "./views/OkrList.js";
import { ProjectView } from "./views/ProjectView.js";
import { PrivacyPage, TermsPage } from "./views/StaticPages.js";
import { TeamView } from "./views/TeamView.js";

const AdminPage = lazy(() => import("./views/AdminPage.js"));

const themes = { default: teamsLightTheme, dark: teamsDarkTheme, contrast: teamsHighContrastTheme };

/** `?theme=dark|contrast|default` (before or after the hash) for standalone testing. */
function themeFromUrl(): Theme | undefined {
  const fromHash = window.location.hash.split("?")[1];
  const value = new URLSearchParams(window.location.search).get("theme") ?? new URLSearchParams(fromHash ?? "").get("theme");
  return value === "dark" || value === "contrast" || value === "default" ? value : value === "light" ? "default" : undefined;
}

const useStyles = makeStyles({
  root: { minHeight: "100vh", boxSizing: "border-box", padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`, "@media (max-width: 600px)": { padding: tokens.spacingHorizontalS } },
  top: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalL, flexWrap: "wrap", marginBottom: tokens.spacingVerticalL },
  brand: { margin: 0 },
  footer: { marginTop: tokens.spacingVerticalXXL, display: "flex", gap: tokens.spacingHorizontalM, color: tokens.colorNeutralForeground3 },
});

class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (this.state.error) {
      return (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>Something went wrong: {this.state.error.message}. Reload the tab to try again.</MessageBarBody>
        </MessageBar>
      );
    }
    return this.props.children;
  }
}

const navRoutes = [
  { value: "my", label: "My OKRs" },
  { value: "org", label: "Organisation" },
  { value: "admin", label: "Admin" },
] as const;

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case "my":
      return <OkrList key="my" scope={{ kind: "my" }} title="My OKRs" />;
    case "org":
      return <OkrList key="org" scope={{ kind: "org" }} title="Organisation OKRs" />;
    case "kr":
      return <KeyResultDetail key={route.id} id={route.id} />;
    case "project":
      return <ProjectView key={route.id} id={route.id} />;
    case "team":
      return <TeamView key={route.id} id={route.id} />;
    case "config":
      return <ConfigPage />;
    case "admin":
      return (
        <Suspense fallback={<Spinner label="Loading admin…" />}>
          <AdminPage />
        </Suspense>
      );
    case "privacy":
      return <PrivacyPage />;
    case "terms":
      return <TermsPage />;
    case "notFound":
      return (
        <Text>
          There is no page at “{route.path}”. <Link href={href("/my")}>Go to My OKRs</Link>
        </Text>
      );
  }
}

function Shell({ route }: { route: Route }) {
  const s = useStyles();
  const { me, host } = useSession();
  // Channel tabs (team view, configuration) show only their content: Teams frames them already.
  const framed = host.kind === "teams" && (route.name === "config" || route.name === "team");
  const selected = route.name === "kr" || route.name === "project" ? undefined : route.name;
  return (
    <>
      {!framed && (
        <header className={s.top}>
          <Title2 as="h1" className={s.brand}>
            Pacer
          </Title2>
          <nav aria-label="Pacer">
            <TabList selectedValue={selected} onTabSelect={(_, d) => navigate(`/${String(d.value)}`)}>
              {navRoutes.map((r) => (
                <Tab key={r.value} value={r.value}>
                  {r.label}
                </Tab>
              ))}
            </TabList>
          </nav>
          <Text size={200} data-testid="signed-in" style={{ marginLeft: "auto" }}>
            {me.user.name} · {me.organization.name}
          </Text>
        </header>
      )}
      <main>
        <ErrorBoundary key={route.name === "kr" || route.name === "project" || route.name === "team" ? `${route.name}:${route.id}` : route.name}>
          <Page route={route} />
        </ErrorBoundary>
      </main>
      {!framed && (
        <footer className={s.footer}>
          <Link href={href("/privacy")}>Privacy</Link>
          <Link href={href("/terms")}>Terms</Link>
        </footer>
      )}
    </>
  );
}

export function App({ host }: { host: Host }) {
  const s = useStyles();
  const api = useMemo(() => new ApiClient(host), [host]);
  const route = useRoute();
  const [theme, setTheme] = useState<Theme>(() => themeFromUrl() ?? (host.kind === "teams" ? host.theme : "default"));
  const [me, setMe] = useState<Me | undefined>();
  const [error, setError] = useState<string | undefined>();
  const isStatic = route.name === "privacy" || route.name === "terms";

  useEffect(() => {
    if (host.kind === "teams") onTeamsThemeChange(setTheme);
  }, [host]);

  useEffect(() => {
    if (isStatic || me) return;
    api.get<Me>("/me").then(setMe, (e: unknown) => setError(errorMessage(e)));
  }, [api, isStatic, me]);

  const loading = <Spinner label="Loading…" />;
  return (
    <FluentProvider theme={themes[theme]} className={s.root} data-theme={theme}>
      {isStatic ? (
        route.name === "privacy" ? (
          <PrivacyPage />
        ) : (
          <TermsPage />
        )
      ) : error ? (
        <>
          <Title2 as="h1">Pacer</Title2>
          <MessageBar intent="error" role="alert">
            <MessageBarBody>{error}</MessageBarBody>
          </MessageBar>
        </>
      ) : !me ? (
        <Spinner label="Signing in…" />
      ) : (
        <ErrorBoundary>
          <SessionProvider api={api} host={host} me={me} fallback={loading}>
            <Shell route={route} />
          </SessionProvider>
        </ErrorBoundary>
      )}
    </FluentProvider>
  );
}
