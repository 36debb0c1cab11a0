/** A catalogue icon for a database connector: a cylinder in the product's colour with a short label. */
export function databaseIcon(color: string, label: string): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="${color}"/>` +
    `<path d="M7 9c0-2.2 4-4 9-4s9 1.8 9 4v14c0 2.2-4 4-9 4s-9-1.8-9-4z" fill="none" stroke="#fff" stroke-width="2"/>` +
    `<path d="M7 9c0 2.2 4 4 9 4s9-1.8 9-4" fill="none" stroke="#fff" stroke-width="2"/>` +
    `<text x="16" y="23" font-family="Segoe UI,Arial,sans-serif" font-size="8" font-weight="700" fill="#fff" text-anchor="middle">${label}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
}
