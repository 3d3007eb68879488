import { Route, Router } from '@solidjs/router';
import { Layout } from './layout.tsx';
import { BibPage } from './pages/bib.tsx';
import { CalendarPage } from './pages/calendar.tsx';
import { NewArrivals, Popular } from './pages/lists.tsx';
import { LoginPage } from './pages/login.tsx';
import { CardPage, MyLibrary, PasswordPage } from './pages/my.tsx';
import {
  AlertsPage,
  BookshelfPage,
  ConfirmEmailPage,
  ContactPage,
  ForgotPasswordPage,
  HistoryPage,
  ResetPasswordPage,
} from './pages/my-extras.tsx';
import { SearchPage } from './pages/search.tsx';

/** WebOPAC and My Library: every page has a stable address under /opac. */
export const OpacApp = () => (
  <Router root={Layout}>
    <Route path="/opac" component={SearchPage} />
    <Route path="/opac/search" component={SearchPage} />
    <Route path="/opac/bib/:id" component={BibPage} />
    <Route path="/opac/new" component={NewArrivals} />
    <Route path="/opac/popular" component={Popular} />
    <Route path="/opac/calendar" component={CalendarPage} />
    <Route path="/opac/login" component={LoginPage} />
    <Route path="/opac/my" component={MyLibrary} />
    <Route path="/opac/my/card" component={CardPage} />
    <Route path="/opac/my/password" component={PasswordPage} />
    <Route path="/opac/my/contact" component={ContactPage} />
    <Route path="/opac/my/history" component={HistoryPage} />
    <Route path="/opac/my/bookshelf" component={BookshelfPage} />
    <Route path="/opac/my/alerts" component={AlertsPage} />
    <Route path="/opac/password-forgot" component={ForgotPasswordPage} />
    <Route path="/opac/my/password-reset" component={ResetPasswordPage} />
    <Route path="/opac/my/email-confirm" component={ConfirmEmailPage} />
    <Route path="*" component={SearchPage} />
  </Router>
);
