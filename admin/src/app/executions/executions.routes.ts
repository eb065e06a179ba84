import { type Routes } from '@angular/router';

export const EXECUTIONS_ROUTES: Routes = [
  { path: '', loadComponent: () => import('./execution-list').then((m) => m.ExecutionList) },
  { path: ':id', loadComponent: () => import('./execution-detail').then((m) => m.ExecutionDetailPage) },
];
