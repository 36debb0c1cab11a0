import { Button, MessageBar, MessageBarBody, MessageBarTitle, Text, makeStyles, tokens } from "@fluentui/react-components";
import { useState } from "react";

const useStyles = makeStyles({
  url: { fontFamily: "monospace", wordBreak: "break-all", padding: tokens.spacingHorizontalS, backgroundColor: tokens.colorNeutralBackground3, borderRadius: tokens.borderRadiusMedium },
});

/** A push link's secret URL, shown once (after linking or regenerating) with a copy button. */
export function PushUrl(props: { url: string; title: string }) {
  const s = useStyles();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.url);
      setCopied(true);
    } catch {
      // No clipboard permission (e.g. an iframe without it): the URL stays visible to select by hand.
      setCopied(false);
    }
  };
  return (
    <MessageBar intent="success" data-testid="push-url">
      <MessageBarBody>
        <MessageBarTitle>{props.title}</MessageBarTitle>
        <Text block>
          It is shown only now: copy it into Zapier, Power Automate or your script (<code>POST</code> with <code>{'{ "value": 42 }'}</code>). You can regenerate it later,
          which stops the old one.
        </Text>
        <Text block className={s.url} data-testid="push-url-value">
          {props.url}
        </Text>
        <Button size="small" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy URL"}
        </Button>
      </MessageBarBody>
    </MessageBar>
  );
}
