import { Body1, Link, Title3, makeStyles, tokens } from "@fluentui/react-components";
import { href } from "../router.js";

const useStyles = makeStyles({ page: { maxWidth: "720px", display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM } });

export function PrivacyPage() {
  const s = useStyles();
  return (
    <article className={s.page} aria-labelledby="privacy-title">
      <Title3 as="h2" id="privacy-title">
        Privacy
      </Title3>
      <Body1 as="p">
        Pacer is self-hosted: your organisation runs it and keeps its data in its own database. Pacer stores your name, email address and Microsoft Entra object id
        (from your Teams sign-in), the objectives, key results, check-ins and comments people write, and the settings of connected data sources, whose secrets are
        encrypted.
      </Body1>
      <Body1 as="p">
        Pacer sends no data to its authors and uses no tracking or advertising. Data leaves your installation only towards the services your administrators connect
        (for example a data source a key result reads) and Microsoft Teams itself. Ask your organisation's Pacer administrators to see, export or delete your data.
      </Body1>
      <Link href={href("/my")}>Back to Pacer</Link>
    </article>
  );
}

export function TermsPage() {
  const s = useStyles();
  return (
    <article className={s.page} aria-labelledby="terms-title">
      <Title3 as="h2" id="terms-title">
        Terms of use
      </Title3>
      <Body1 as="p">
        Pacer is open-source software provided under the MIT licence, "as is", without warranty of any kind. The organisation that runs this installation decides who may
        use it and is responsible for the data stored in it.
      </Body1>
      <Body1 as="p">Use Pacer in line with your organisation's policies and the Microsoft Teams terms that apply to you.</Body1>
      <Link href={href("/my")}>Back to Pacer</Link>
    </article>
  );
}
