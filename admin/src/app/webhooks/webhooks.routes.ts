import { type Routes } from '@angular/router';

export const WEBHOOKS_ROUTES: Routes = [
  { path: '', loadComponent: () => import('./webhooks').then((m) => m.Webhooks) },
  { path: 'deliveries/:id', loadComponent: () => import('./delivery-detail').then((m) => m.DeliveryDetailPage) },
];
