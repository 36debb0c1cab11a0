import {
  FluentProvider,
  MessageBar,
  MessageBarBody,
  Spinner,
  Text,
  Title2,
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
} from "@fluentui/react-components";
import { useEffect, useMemo, useState } from "react";
import { ApiClient } from "./api.js";
import type { Host } from "./host.js";

interface Me {
  user: { id: string; name: string; email: string | null; orgRole: string };
  organization: { id: string; name: string };
}

const themes = { default: teamsLightTheme, dark: teamsDarkTheme, contrast: teamsHighContrastTheme };

export function App({ host }: { host: Host }) {
  const api = useMemo(() => new ApiClient(host), [host]);
  const [me, setMe] = useState<Me | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    api.get<Me>("/me").then(setMe, (e: Error) => setError(e.message));
  }, [api]);

  return (
    <FluentProvider theme={themes[host.kind === "teams" ? host.theme : "default"]} style={{ minHeight: "100vh", padding: 24 }}>
      <Title2 as="h1">Pacer</Title2>
      {error ? (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      ) : !me ? (
        <Spinner label="Signing in…" />
      ) : (
        <Text as="p" data-testid="signed-in">
          Signed in as {me.user.name} ({me.user.orgRole}) in {me.organization.name}.
        </Text>
      )}
    </FluentProvider>
  );
}
