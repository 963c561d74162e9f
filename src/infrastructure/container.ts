import 'reflect-metadata';
import { Container, type ServiceIdentifier } from 'inversify';
import { ChangeOrderStatus } from '../application/change-order-status.use-case.js';
import { GetOrder } from '../application/get-order.use-case.js';
import { AdjustStock, GetBook, ListBooks, ListStockAdjustments, PutBook } from '../application/manage-books.use-case.js';
import { ListOrderQueue } from '../application/list-order-queue.use-case.js';
import { ListUserOrders } from '../application/list-user-orders.use-case.js';
import { PlaceOrder } from '../application/place-order.use-case.js';
import type { EventLog } from '../application/ports/event-log.port.js';
import { ReadEvents } from '../application/read-events.use-case.js';
import { SettleOrders, type SettlementPolicy } from '../application/settle-orders.use-case.js';
import type { CatalogPort } from '../domain/ports/catalog.port.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { InventoryPort } from '../domain/ports/inventory.port.js';
import type { OrderIdGenerator } from '../domain/ports/order-id-generator.port.js';
import type { OrderRepository } from '../domain/ports/order-repository.port.js';
import type { StaleOrders } from '../domain/ports/stale-orders.port.js';
import type { OrderUseCases } from '../adapters/inbound/http/http-context.js';
import type { StorageBackend } from '../adapters/outbound/storage-backend.js';
import { SystemClock } from '../adapters/outbound/system/system-clock.adapter.js';
import { UuidV7OrderIds } from '../adapters/outbound/system/uuid-v7-order-id.adapter.js';
import type { Config } from './config.js';

const token = <T>(name: string): ServiceIdentifier<T> => Symbol.for(`order-service.${name}`);

export const TOKENS = {
  Clock: token<Clock>('Clock'),
  OrderIds: token<OrderIdGenerator>('OrderIds'),
  Orders: token<OrderRepository>('OrderRepository'),
  Inventory: token<InventoryPort>('InventoryPort'),
  Events: token<EventLog>('EventLog'),
  Catalog: token<CatalogPort>('CatalogPort'),
  ListBooks: token<ListBooks>('ListBooks'),
  GetBook: token<GetBook>('GetBook'),
  PutBook: token<PutBook>('PutBook'),
  AdjustStock: token<AdjustStock>('AdjustStock'),
  ListStockAdjustments: token<ListStockAdjustments>('ListStockAdjustments'),
  PlaceOrder: token<PlaceOrder>('PlaceOrder'),
  GetOrder: token<GetOrder>('GetOrder'),
  ListUserOrders: token<ListUserOrders>('ListUserOrders'),
  ListOrderQueue: token<ListOrderQueue>('ListOrderQueue'),
  ReadEvents: token<ReadEvents>('ReadEvents'),
  ChangeOrderStatus: token<ChangeOrderStatus>('ChangeOrderStatus'),
  StaleOrders: token<StaleOrders>('StaleOrders'),
  SettleOrders: token<SettleOrders>('SettleOrders'),
} as const;

export interface ContainerOverrides {
  readonly clock?: Clock;
  readonly orderIds?: OrderIdGenerator;
  readonly settlement?: SettlementPolicy;
}

const DEFAULT_SETTLEMENT: SettlementPolicy = { pendingTimeoutMs: 300_000, releaseLookbackMs: 24 * 3_600_000 };

/**
 * The composition root: the only place that knows which adapters serve which ports. Domain and application
 * classes carry no decorators; they are built by factories from their resolved dependencies.
 */
export function buildContainer(backend: StorageBackend, overrides: ContainerOverrides = {}): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Clock).toConstantValue(overrides.clock ?? new SystemClock());
  container.bind(TOKENS.OrderIds).toConstantValue(overrides.orderIds ?? new UuidV7OrderIds());
  container.bind(TOKENS.Orders).toConstantValue(backend.orders);
  container.bind(TOKENS.Inventory).toConstantValue(backend.inventory);
  container.bind(TOKENS.Events).toConstantValue(backend.events);

  container.bind(TOKENS.PlaceOrder).toResolvedValue(
    (orders: OrderRepository, inventory: InventoryPort, clock: Clock, ids: OrderIdGenerator) =>
      new PlaceOrder(orders, inventory, clock, ids),
    [TOKENS.Orders, TOKENS.Inventory, TOKENS.Clock, TOKENS.OrderIds],
  );
  container.bind(TOKENS.GetOrder).toResolvedValue((orders: OrderRepository) => new GetOrder(orders), [TOKENS.Orders]);
  container.bind(TOKENS.ListUserOrders).toResolvedValue(
    (orders: OrderRepository) => new ListUserOrders(orders),
    [TOKENS.Orders],
  );
  container.bind(TOKENS.ListOrderQueue).toResolvedValue(
    (orders: OrderRepository) => new ListOrderQueue(orders),
    [TOKENS.Orders],
  );
  container.bind(TOKENS.ReadEvents).toResolvedValue((events: EventLog) => new ReadEvents(events), [TOKENS.Events]);
  container.bind(TOKENS.ChangeOrderStatus).toResolvedValue(
    (orders: OrderRepository, clock: Clock) => new ChangeOrderStatus(orders, clock),
    [TOKENS.Orders, TOKENS.Clock],
  );
  if (backend.books) {
    container.bind(TOKENS.Catalog).toConstantValue(backend.books);
    container.bind(TOKENS.ListBooks).toResolvedValue((books: CatalogPort) => new ListBooks(books), [TOKENS.Catalog]);
    container.bind(TOKENS.GetBook).toResolvedValue((books: CatalogPort) => new GetBook(books), [TOKENS.Catalog]);
    container.bind(TOKENS.PutBook).toResolvedValue((books: CatalogPort) => new PutBook(books), [TOKENS.Catalog]);
    container.bind(TOKENS.AdjustStock).toResolvedValue(
      (books: CatalogPort, clock: Clock, ids: OrderIdGenerator) => new AdjustStock(books, clock, ids),
      [TOKENS.Catalog, TOKENS.Clock, TOKENS.OrderIds],
    );
    container.bind(TOKENS.ListStockAdjustments).toResolvedValue(
      (books: CatalogPort) => new ListStockAdjustments(books),
      [TOKENS.Catalog],
    );
  }
  if (backend.staleOrders) {
    container.bind(TOKENS.StaleOrders).toConstantValue(backend.staleOrders);
    container.bind(TOKENS.SettleOrders).toResolvedValue(
      (orders: OrderRepository, stale: StaleOrders, clock: Clock) =>
        new SettleOrders(orders, stale, clock, overrides.settlement ?? DEFAULT_SETTLEMENT),
      [TOKENS.Orders, TOKENS.StaleOrders, TOKENS.Clock],
    );
  }
  return container;
}

export const resolveUseCases = (container: Container): OrderUseCases => ({
  placeOrder: container.get(TOKENS.PlaceOrder),
  getOrder: container.get(TOKENS.GetOrder),
  listUserOrders: container.get(TOKENS.ListUserOrders),
  listOrderQueue: container.get(TOKENS.ListOrderQueue),
  readEvents: container.get(TOKENS.ReadEvents),
  changeOrderStatus: container.get(TOKENS.ChangeOrderStatus),
  ...(container.isBound(TOKENS.SettleOrders) ? { settleOrders: container.get(TOKENS.SettleOrders) } : {}),
  ...(container.isBound(TOKENS.Catalog)
    ? {
      books: {
        listBooks: container.get(TOKENS.ListBooks),
        getBook: container.get(TOKENS.GetBook),
        putBook: container.get(TOKENS.PutBook),
        adjustStock: container.get(TOKENS.AdjustStock),
        listStockAdjustments: container.get(TOKENS.ListStockAdjustments),
      },
    }
    : {}),
});

export const settlementPolicy = (config: Config): SettlementPolicy => ({
  pendingTimeoutMs: config.pendingOrderTimeoutSeconds * 1000,
  releaseLookbackMs: config.releaseLookbackHours * 3_600_000,
});
