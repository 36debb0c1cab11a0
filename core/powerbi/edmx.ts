import { type Column, columnsFor } from "./columns.js";
import type { FeedEntitySet, FeedQuery } from "./model.js";

export const NAMESPACE = "Pacer.PowerBI";
export const CONTAINER = "Pacer";

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

export const entityTypeName = (entitySet: FeedEntitySet, query: Pick<FeedQuery, "granularity">) =>
  `${entitySet.replace(/s$/, "")}${query.granularity === "rowLevel" ? "Row" : "Group"}`;

const description = (text: string, indent: string) => `${indent}<Annotation Term="Core.Description" String="${escapeXml(text)}"/>\n`;

function property(column: Column): string {
  const open = `      <Property Name="${column.name}" Type="${column.type}" Nullable="${column.nullable}"`;
  return column.description ? `${open}>\n${description(column.description, "        ")}      </Property>\n` : `${open}/>\n`;
}

/**
 * The CSDL (EDMX 4.0) of one saved query's feed: an entity type per entity set with typed
 * properties and keys, and a container. Row-level sets are marked as such with a description
 * annotation (Org.OData.Core.V1), aggregated ones say that small groups are left out.
 */
export function buildMetadata(query: Pick<FeedQuery, "entitySets" | "granularity" | "schemaType" | "attributes">, minimumGroupSize: number): string {
  let xml = '<?xml version="1.0" encoding="utf-8"?>\n';
  xml += '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">\n';
  xml += '  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">\n';
  xml += '    <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core"/>\n';
  xml += "  </edmx:Reference>\n";
  xml += "  <edmx:DataServices>\n";
  xml += `    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="${NAMESPACE}">\n`;
  for (const entitySet of query.entitySets) {
    const columns = columnsFor(entitySet, query);
    xml += `      <EntityType Name="${entityTypeName(entitySet, query)}">\n`;
    xml += "        <Key>\n";
    for (const key of columns.filter((c) => c.key)) xml += `          <PropertyRef Name="${key.name}"/>\n`;
    xml += "        </Key>\n";
    for (const column of columns) xml += property(column).replace(/^ {6}/gm, "        ");
    xml += "      </EntityType>\n";
  }
  xml += `      <EntityContainer Name="${CONTAINER}">\n`;
  for (const entitySet of query.entitySets) {
    xml += `        <EntitySet Name="${entitySet}" EntityType="${NAMESPACE}.${entityTypeName(entitySet, query)}">\n`;
    xml += description(
      query.granularity === "rowLevel"
        ? "Row-level data: one row per item, with people's names. Visible to organisation admins only."
        : `Aggregated data: groups with fewer than ${minimumGroupSize} people are left out.`,
      "          ",
    );
    xml += "        </EntitySet>\n";
  }
  xml += "      </EntityContainer>\n";
  xml += "    </Schema>\n";
  xml += "  </edmx:DataServices>\n";
  xml += "</edmx:Edmx>\n";
  return xml;
}
