// Monitoring of the lab: the component, its pure config generators, the rules loader and the alert-delay API.
export * from "./alerts";
export * from "./config";
export * from "./monitoring";
export * from "./rules";
