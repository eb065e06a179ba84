import { type Routes } from '@angular/router';

import { Webhooks } from './webhooks';

export const WEBHOOKS_ROUTES: Routes = [{ path: '', component: Webhooks }];
