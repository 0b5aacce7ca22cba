import { Router } from 'express';
import { notFound, sendScim } from './errors.js';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA } from './resources.js';

const CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

type AttributeType = 'string' | 'boolean' | 'complex' | 'reference';

// The attributes each schema accepts: name, type, multi-valued, sub-attributes.
const ATTRIBUTES: Record<string, [string, AttributeType, boolean, string[]?][]> = {
  [USER_SCHEMA]: [
    ['userName', 'string', false], ['name', 'complex', false,
      ['givenName', 'familyName', 'formatted']], ['displayName', 'string', false],
    ['emails', 'complex', true, ['value', 'primary', 'type']], ['active', 'boolean', false],
    ['title', 'string', false], ['preferredLanguage', 'string', false],
  ],
  [ENTERPRISE_SCHEMA]: [['department', 'string', false]],
  [GROUP_SCHEMA]: [['displayName', 'string', false], ['members', 'complex', true, ['value']]],
};

const SCHEMA_NAMES: Record<string, string> = {
  [USER_SCHEMA]: 'User', [ENTERPRISE_SCHEMA]: 'EnterpriseUser', [GROUP_SCHEMA]: 'Group',
};

/** ServiceProviderConfig, ResourceTypes and Schemas: read-only descriptions. */
export function metaRouter(pageSize: number): Router {
  const router = Router();
  router.get('/ServiceProviderConfig', (_req, res) => sendScim(res, 200, config(pageSize)));
  router.get('/ResourceTypes', (_req, res) => sendScim(res, 200, list(resourceTypes())));
  router.get('/Schemas', (_req, res) => sendScim(res, 200, list(schemas())));
  router.get('/Schemas/:id', (req, res) => {
    const schema = schemas().find((s) => s.id === req.params.id);
    if (!schema) throw notFound('Schema', req.params.id);
    sendScim(res, 200, schema);
  });
  return router;
}

function config(pageSize: number) {
  return {
    schemas: [CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: pageSize },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'Bearer token',
      description: 'A service account token in the Authorization header' }],
  };
}

function resourceTypes() {
  return [
    { schemas: [RESOURCE_TYPE_SCHEMA], id: 'User', name: 'User', endpoint: '/Users',
      schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }] },
    { schemas: [RESOURCE_TYPE_SCHEMA], id: 'Group', name: 'Group', endpoint: '/Groups',
      schema: GROUP_SCHEMA },
  ];
}

function schemas() {
  return Object.entries(ATTRIBUTES).map(([id, attributes]) => ({
    schemas: [SCHEMA_SCHEMA],
    id,
    name: SCHEMA_NAMES[id],
    attributes: attributes.map(([name, type, multiValued, subAttributes]) => ({
      name, type, multiValued, required: name === 'userName' || name === 'displayName',
      ...(subAttributes ? { subAttributes: subAttributes.map((sub) => ({ name: sub,
        type: sub === 'primary' ? 'boolean' : 'string', multiValued: false })) } : {}),
    })),
  }));
}

function list<T>(resources: T[]) {
  return { schemas: [LIST_SCHEMA], totalResults: resources.length, startIndex: 1,
    itemsPerPage: resources.length, Resources: resources };
}
