import { Navigate, Route, Router, type RouteSectionProps } from '@solidjs/router';
import { type Component, lazy, Match, onMount, Switch } from 'solid-js';
import { t } from '../i18n/index.ts';
import { Layout } from './layout.tsx';
import { BibDetail } from './pages/bib-detail.tsx';
import { BibEdit, BibNew } from './pages/bib-edit.tsx';
import { Dashboard } from './pages/dashboard.tsx';
import { Devices } from './pages/devices.tsx';
import { Holds } from './pages/holds.tsx';
import { LoginPage } from './pages/login.tsx';
import { MarcImport } from './pages/marc-import.tsx';
import { Offline } from './pages/offline.tsx';
import { Oplog } from './pages/oplog.tsx';
import { PatronDetail } from './pages/patron-detail.tsx';
import { PatronRegister } from './pages/patron-register.tsx';
import { Patrons } from './pages/patrons.tsx';
import { ComingSoon, NotFound } from './pages/placeholder.tsx';
import { Receiving } from './pages/receiving.tsx';
import { Search } from './pages/search.tsx';
import { Settings } from './pages/settings.tsx';
import { Stocktake } from './pages/stocktake.tsx';
import { loadSession, me } from './session.ts';

// Its own chunk: the receipt builder from @bunko/protocols brings zod along, which no other page needs.
const Counter = lazy(() => import('./pages/counter.tsx').then((m) => ({ default: m.Counter })));

/** Pages behind the login: while the session is unknown show a quiet loading line, without one go to login. */
const Guarded: Component<RouteSectionProps> = (props) => (
  <Switch>
    <Match when={me() === undefined}>
      <p class="loading" role="status">
        {t('app.loading')}
      </p>
    </Match>
    <Match when={me() === null}>
      <Navigate href="/login" />
    </Match>
    <Match when={me()}>
      <Layout>{props.children}</Layout>
    </Match>
  </Switch>
);

export const App: Component = () => {
  onMount(() => {
    void loadSession();
  });
  return (
    <Router>
      <Route path="/login" component={LoginPage} />
      <Route path="/" component={Guarded}>
        <Route path="/" component={Dashboard} />
        <Route path="/circulation" component={Counter} />
        <Route path="/search" component={Search} />
        <Route path="/patrons" component={Patrons} />
        <Route path="/patrons/new" component={PatronRegister} />
        <Route path="/patrons/:id" component={PatronDetail} />
        <Route path="/holds" component={Holds} />
        <Route path="/stats" component={() => <ComingSoon area="/stats" />} />
        <Route path="/devices" component={Devices} />
        <Route path="/oplog" component={Oplog} />
        <Route path="/settings" component={Settings} />
        <Route path="/offline" component={Offline} />
        <Route path="/stocktake" component={Stocktake} />
        <Route path="/bibs/new" component={BibNew} />
        <Route path="/bibs/:id" component={BibDetail} />
        <Route path="/bibs/:id/edit" component={BibEdit} />
        <Route path="/receiving" component={Receiving} />
        <Route path="/marc-import" component={MarcImport} />
        <Route path="*" component={NotFound} />
      </Route>
    </Router>
  );
};
