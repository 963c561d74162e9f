// The answers the yardsticks (baseline-server.mjs, koa-floor-server.mjs) give: the shapes of the service's own.
export const resource = (id, bookId, userId, quantity) => {
  const now = new Date().toISOString();
  return { id, bookId, userId, quantity, unitPrice: '39.99', total: (39.99 * quantity).toFixed(2),
    status: 'confirmed', createdAt: now, updatedAt: now, version: 2 };
};

export const LIST_CURSOR = 'WzE3OTQ0OTAwMDAwMDAsIm9yZGVyIl0';
