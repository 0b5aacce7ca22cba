import type { CertificateInfo } from '../../certs/service.js';
import { type SamlSettings, USER_PROPERTIES } from '../../saml/settings.js';
import { checkboxField, EMPTY_FORM, type FormState, inputField, selectField, textArea }
  from '../forms.js';
import { type Html, html } from '../html.js';
import { csrfField, type PageFrame } from '../layout.js';
import { shortTime } from './common.js';
import type { AppWindow } from './app-window.js';

export interface SsoTabView {
  settings: SamlSettings;
  certificate: CertificateInfo | null;
  /** The next certificate, published in the metadata but not yet signing. */
  next?: CertificateInfo | null;
  /** The settings form after a failed save. */
  form?: FormState;
  /** The metadata import form after a failed import. */
  metadata?: FormState;
}

const NAMEID_OPTIONS: [string, string][] = [
  ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'Email address'],
  ['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified', 'Unspecified'],
  ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'Persistent'],
];

/** Blank rows under the attributes, for adding new ones without script. */
const BLANK_ATTRIBUTE_ROWS = 2;

/** The form's initial values from the stored settings. */
function initialValues(s: SamlSettings): Record<string, string> {
  return {
    spEntityId: s.spEntityId ?? '',
    acsUrls: s.acsUrls.join('\n'),
    defaultAcsUrl: s.defaultAcsUrl ?? '',
    nameIdFormat: s.nameIdFormat,
    nameIdSource: s.nameIdSource,
    spCertificate: s.spCertificate ?? '',
  };
}

function attributeRow(form: FormState, index: number,
  attr: { name: string; source: string; value: string }): Html {
  const err = (field: string) => form.errors[`attr-${index}-${field}`];
  const cell = (field: 'name' | 'value', label: string, value: string) => html`<td>
<label class="sr-only" for="attr-${index}-${field}">${label} of attribute ${index + 1}</label>
<input id="attr-${index}-${field}" name="attr${field === 'name' ? 'Name' : 'Value'}"
 value="${value}"${field === 'value' ? html` list="user-properties"` : ''}${
    err(field) ? html` aria-invalid="true" aria-describedby="attr-${index}-${field}-error"`
      : ''}>${err(field) ? html`<p class="field-error" id="attr-${index}-${field}-error">${
    err(field)}</p>` : ''}</td>`;
  return html`<tr>${cell('name', 'Name', attr.name)}<td>
<label class="sr-only" for="attr-${index}-source">Source of attribute ${index + 1}</label>
<select id="attr-${index}-source" name="attrSource">
<option value="property"${attr.source === 'property' ? html` selected` : ''}>User property
</option><option value="constant"${attr.source === 'constant' ? html` selected` : ''}>Constant
 value</option></select></td>${cell('value', 'Value', attr.value)}</tr>`;
}

/** Attribute rows: what was typed after a failed save, else the stored ones. */
function attributeRows(form: FormState, s: SamlSettings, typed: AttributeRows | null): Html {
  const rows = typed ?? s.attributes;
  const blank = Array.from({ length: BLANK_ATTRIBUTE_ROWS },
    () => ({ name: '', source: 'property', value: '' }));
  return html`<fieldset><legend>Attributes</legend>
<p class="hint">Attributes sent in the assertion besides the NameID. To add one, fill in a
 blank row; to remove one, clear its name. Then Save.</p>
<datalist id="user-properties">${USER_PROPERTIES.map((p) => html`<option value="${p}">`)}
</datalist>
<div class="table-wrap"><table class="attr-table"><thead><tr>
<th scope="col">Service provider attribute name</th><th scope="col">Source</th>
<th scope="col">User property or constant value</th></tr></thead>
<tbody>${[...rows, ...blank].map((a, i) => attributeRow(form, i, a))}</tbody></table></div>
${form.errors.attributes ? html`<p class="field-error">${form.errors.attributes}</p>` : ''}
</fieldset>`;
}

export type AttributeRows = { name: string; source: string; value: string }[];

function settingsForm(frame: PageFrame, w: AppWindow, view: SsoTabView,
  typed: AttributeRows | null): Html {
  const s = view.settings;
  const form = view.form ?? { values: initialValues(s), errors: {} };
  const submitted = view.form !== undefined;
  const acsOptions: [string, string][] = s.acsUrls.map((u) => [u, u]);
  return html`<form method="post" action="/admin/applications/${w.app.id}/sso">
${csrfField(frame.csrf)}
${inputField({ name: 'spEntityId', label: 'SP Entity ID', state: form, required: true,
    hint: 'The service provider\'s entity ID (its Issuer).' })}
${textArea({ name: 'acsUrls', label: 'ACS URLs', state: form, rows: 3,
    hint: 'One URL a line. https only (http for localhost).' })}
${acsOptions.length > 1 ? selectField({ name: 'defaultAcsUrl', label: 'Default ACS URL',
    state: form, options: acsOptions }) : ''}
<div class="grid-2">
${selectField({ name: 'nameIdFormat', label: 'SAMLSubject NameID format', state: form,
    options: NAMEID_OPTIONS })}
${selectField({ name: 'nameIdSource', label: 'SAMLSubject NameID', state: form,
    options: [['email', 'email'], ['username', 'username'], ['id', 'user id']] })}
</div>
${checkboxField({ name: 'signResponse', label: 'Sign the whole response, not only the assertion',
    checked: submitted ? form.values.signResponse === 'on' : s.signResponse })}
${checkboxField({ name: 'requireSignedRequests', label: 'Require signed AuthnRequests',
    checked: submitted ? form.values.requireSignedRequests === 'on' : s.requireSignedRequests })}
${textArea({ name: 'spCertificate', label: 'SP certificate (PEM), to check signed requests',
    state: form, rows: 3 })}
${attributeRows(form, s, typed)}
<button type="submit" class="primary">Save</button></form>`;
}

function metadataForm(frame: PageFrame, w: AppWindow, view: SsoTabView): Html {
  const form = view.metadata ?? EMPTY_FORM;
  return html`<details class="advanced"${view.metadata ? html` open` : ''}>
<summary>Import SP metadata</summary>
<form method="post" action="/admin/applications/${w.app.id}/sso/metadata">
${csrfField(frame.csrf)}
${textArea({ name: 'spMetadataXml', label: 'SP metadata XML', state: form, rows: 6,
    hint: 'Paste the service provider\'s SAML 2.0 metadata: its entity ID, ACS URLs, '
      + 'certificate and NameID format fill the settings above.' })}
<button type="submit">Import metadata</button></form></details>`;
}

function certificateFacts(cert: CertificateInfo): Html {
  return html`<dl class="facts"><dt>SHA-256 fingerprint</dt>
<dd><code>${cert.fingerprintSha256}</code></dd>
<dt>Valid</dt><dd>${shortTime(cert.notBefore)} to ${shortTime(cert.notAfter)}</dd></dl>`;
}

/** The pending next certificate and the form that discards it. */
function nextCertificate(frame: PageFrame, w: AppWindow, next: CertificateInfo): Html {
  return html`<h3>Next certificate</h3>
<p>Published in the IdP metadata so the service provider can trust it; it does not sign
 yet. Discard it if it was made by mistake or is no longer wanted: it leaves the metadata
 at once, and a new one can be generated after.</p>
${certificateFacts(next)}
<form method="post"
 action="/admin/applications/${w.app.id}/sso/certificates/${next.id}/discard">
${csrfField(frame.csrf)}<button type="submit" class="danger">Discard next certificate</button>
</form>`;
}

function certificateSection(frame: PageFrame, w: AppWindow, cert: CertificateInfo | null,
  next: CertificateInfo | null): Html {
  if (!cert) return html`<p class="empty">No signing certificate.</p>`;
  return html`<h3>Signing certificate</h3>
${certificateFacts(cert)}
<p>Download it with <strong>Actions › Download Certificate</strong>, or give the service
 provider the <a href="/saml2/${w.app.customValue}/metadata">IdP metadata</a>.</p>
${next ? nextCertificate(frame, w, next) : ''}`;
}

/** Deactivate SSO (or activate it again), at the bottom of the SSO tab. */
function activationForm(frame: PageFrame, w: AppWindow): Html {
  const active = w.app.ssoActive;
  return html`<form method="post" action="/admin/applications/${w.app.id}/sso/activation"
 class="bottom-action">${csrfField(frame.csrf)}
<input type="hidden" name="active" value="${active ? 'false' : 'true'}">
<p>${active ? 'Deactivating SSO stops every sign-in to this application at once.'
    : 'SSO is deactivated: nobody can sign in to this application through it.'}</p>
${active ? checkboxField({ name: 'confirm', id: 'confirm-deactivate',
    label: `Yes, stop every sign-in to ${w.app.label}`, checked: false }) : ''}
<button type="submit" class="${active ? 'danger' : 'primary'}">${
    active ? 'Deactivate SSO' : 'Activate SSO'}</button></form>`;
}

/** The SSO tab: SP settings, attributes, metadata import, certificate, deactivation. */
export function ssoTab(frame: PageFrame, w: AppWindow, view: SsoTabView,
  typed: AttributeRows | null = null): Html {
  return html`<h2>SSO</h2>
<dl class="facts"><dt>IdP URL (IdP entity ID and sign-in URL)</dt><dd><code>${w.idpUrl}</code>
</dd></dl>
${w.app.ssoConfigured ? '' : html`<p class="notice notice-error" id="sso-not-configured">
Nobody can sign in yet, and the application has no tile in the user portal: enter the SP
 Entity ID and an ACS URL (or import the SP metadata), then Save.</p>`}
${metadataForm(frame, w, view)}
${settingsForm(frame, w, view, typed)}
${certificateSection(frame, w, view.certificate, view.next ?? null)}
${activationForm(frame, w)}`;
}
