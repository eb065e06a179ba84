import { type Routes } from '@angular/router';

import { Jobs } from './jobs';

export const JOBS_ROUTES: Routes = [{ path: '', component: Jobs }];
