/**
 * The `<sd-image>` element's shadow styles. Colours follow the page's `color-scheme`; pages can
 * restyle through the `--sd-*` custom properties and the `::part()`s.
 *
 * @module
 */

/** Shadow-root CSS of `<sd-image>`. */
export const STYLES = `
:host{display:inline-block;vertical-align:top;max-width:100%;width:var(--sd-natural-width,512px);
--sd-radius:12px;--sd-accent:#6d5efc;--sd-bg:light-dark(#f2f2f5,#1d1d22);
--sd-fg:light-dark(#2a2a33,#e8e8ee);--sd-muted:light-dark(#6b6b78,#a0a0ad);
--sd-danger:light-dark(#b42318,#ff8a80);color-scheme:light dark;
font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--sd-fg)}
:host([hidden]){display:none}
.stage{position:relative;width:100%;overflow:hidden;border-radius:var(--sd-radius);
background:var(--sd-bg)}
img{display:block;width:100%;height:100%;object-fit:cover;image-rendering:auto;opacity:0;
transition:opacity .35s ease}
.done img{opacity:1}
.status,.error{position:absolute;inset:0;display:flex;flex-direction:column;
justify-content:center;align-items:center;gap:8px;padding:12px;text-align:center}
.done .status,.error[hidden],.status[hidden]{display:none}
.bar{width:min(80%,220px);height:6px;border-radius:3px;background:color-mix(in srgb,
var(--sd-muted) 25%,transparent);overflow:hidden}
.bar span{display:block;height:100%;width:0;border-radius:inherit;background:var(--sd-accent);
transition:width .2s ease}
.indeterminate .bar span{width:35%;animation:slide 1.2s ease-in-out infinite}
@keyframes slide{from{transform:translateX(-100%)}to{transform:translateX(290%)}}
.label{color:var(--sd-muted);font-size:12px;font-variant-numeric:tabular-nums}
.error{background:var(--sd-bg)}
.message{margin:0;max-width:36ch;color:var(--sd-danger);font-weight:500}
button{font:inherit;font-weight:600;padding:6px 14px;border-radius:8px;cursor:pointer;
border:1px solid color-mix(in srgb,var(--sd-muted) 40%,transparent);background:transparent;
color:var(--sd-fg)}
button:hover{background:color-mix(in srgb,var(--sd-accent) 12%,transparent)}
button:focus-visible{outline:2px solid var(--sd-accent);outline-offset:2px}
@media (prefers-reduced-motion:reduce){img,.bar span{transition:none}
.indeterminate .bar span{animation:none;width:100%;opacity:.5}}
`;
