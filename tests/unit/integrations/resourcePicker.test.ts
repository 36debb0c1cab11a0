import { describe, expect, it } from "vitest";
import { resourcePickerOf } from "../../../core/integrations/contract.js";

const listResources = async () => [];

describe("resourcePickerOf (the picker the catalogue publishes)", () => {
  it("a connector that lists resources without picker metadata gets a generic name search that hides no field", () => {
    expect(resourcePickerOf({ listResources })).toEqual({ label: "Source", hint: "Type part of its name.", listLabel: "Sources", idFields: [], browse: false });
  });

  it("a connector that lists none has no picker, whatever metadata it sets", () => {
    expect(resourcePickerOf({ resourcePicker: { label: "Report", hint: "h", listLabel: "Reports", idFields: ["reportId"] } })).toBeNull();
  });

  it("the connector's metadata is kept as given; browse is false unless it says so", () => {
    const meta = { label: "Report", hint: "h", listLabel: "Reports", idFields: ["reportId", "reportName"], nameField: "reportName" };
    expect(resourcePickerOf({ listResources, resourcePicker: meta })).toEqual({ ...meta, browse: false });
    expect(resourcePickerOf({ listResources, resourcePicker: { ...meta, browse: true } })?.browse).toBe(true);
  });
});
