import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { detectHost } from "./host.js";

const host = await detectHost();
createRoot(document.getElementById("root")!).render(<App host={host} />);
