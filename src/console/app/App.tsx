// Layout: a side navigation, a top bar with the chart range, and the page for the current route. Pages are loaded
// on first use (each bundles only the SDK clients it needs).
import { lazy, Suspense, useEffect, useState, type ComponentType, type LazyExoticComponent } from 'react';
import { Link, match, navigate, useRoute } from './router.tsx';
import { RangeContext } from './components/ui.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { RANGES, type RangeKey } from './metrics.ts';
import { health } from './nimbus.ts';

type Page = LazyExoticComponent<ComponentType<{ params: Record<string, string> }>>;

const pages = {
  instances: lazy(() => import('./pages/InstancesPage.tsx')),
  instance: lazy(() => import('./pages/InstancePage.tsx')),
  images: lazy(() => import('./pages/ImagesPage.tsx')),
  volumes: lazy(() => import('./pages/VolumesPage.tsx')),
  securityGroups: lazy(() => import('./pages/SecurityGroupsPage.tsx')),
  autoscaling: lazy(() => import('./pages/AutoScalingPage.tsx')),
  loadBalancers: lazy(() => import('./pages/LoadBalancersPage.tsx')),
  queues: lazy(() => import('./pages/QueuesPage.tsx')),
  topics: lazy(() => import('./pages/TopicsPage.tsx')),
  functions: lazy(() => import('./pages/FunctionsPage.tsx')),
  ecs: lazy(() => import('./pages/EcsPage.tsx')),
  billing: lazy(() => import('./pages/BillingPage.tsx')),
} satisfies Record<string, Page>;

const routes: Array<[string, Page]> = [
  ['/instances', pages.instances], ['/instances/:id', pages.instance], ['/images', pages.images], ['/volumes', pages.volumes],
  ['/security-groups', pages.securityGroups], ['/autoscaling', pages.autoscaling], ['/autoscaling/:name', pages.autoscaling],
  ['/load-balancers', pages.loadBalancers], ['/queues', pages.queues], ['/queues/:name', pages.queues], ['/topics', pages.topics],
  ['/functions', pages.functions], ['/functions/:name', pages.functions], ['/ecs', pages.ecs], ['/billing', pages.billing],
];

const nav: Array<[string, Array<[string, string]>]> = [
  ['EC2', [['/instances', 'Instances'], ['/images', 'AMIs'], ['/volumes', 'Volumes'], ['/security-groups', 'Security groups']]],
  ['Scaling', [['/autoscaling', 'Auto Scaling groups'], ['/load-balancers', 'Load balancers']]],
  ['Messaging', [['/queues', 'SQS queues'], ['/topics', 'SNS topics & inbox']]],
  ['Compute', [['/functions', 'Lambda functions'], ['/ecs', 'ECS']]],
  ['Cost', [['/billing', 'Billing']]],
];

export function App() {
  const route = useRoute();
  const [range, setRange] = useState<RangeKey>(() => (localStorage.getItem('nimbus.range') as RangeKey) in RANGES ? localStorage.getItem('nimbus.range') as RangeKey : '15m');
  const [services, setServices] = useState<string[]>();
  useEffect(() => {
    health().then((h) => setServices(Object.keys(h.services))).catch(() => setServices(undefined));
  }, []);
  useEffect(() => {
    if (route === '/') navigate('/instances');
  }, [route]);

  let page: { Page: Page; params: Record<string, string> } | undefined;
  for (const [pattern, Page] of routes) {
    const params = match(pattern, route);
    if (params) {
      page = { Page, params };
      break;
    }
  }
  const section = '/' + route.split('/')[1];

  return (
    <RangeContext.Provider value={range}>
      <div className="layout">
        <nav className="side">
          <div className="brand"><span className="dot" /> Nimbus</div>
          {nav.map(([group, items]) => (
            <div key={group} className="group">
              <div className="group-title">{group}</div>
              {items.map(([to, label]) => (
                <Link key={to} to={to} className={section === to ? 'active' : ''} data-nav={to.slice(1)}>{label}</Link>
              ))}
            </div>
          ))}
        </nav>
        <div className="main">
          <header className="top">
            <div className="where">us-east-1 · {window.location.host}{services ? ` · ${services.length} services` : ''}</div>
            <label className="range">Charts:{' '}
              <select value={range} onChange={(e) => { setRange(e.target.value as RangeKey); localStorage.setItem('nimbus.range', e.target.value); }} data-testid="range">
                {Object.keys(RANGES).map((k) => <option key={k} value={k}>last {k}</option>)}
              </select>
            </label>
            <span className="live" title="pages refresh every 2 s">● live</span>
          </header>
          <main>
            <ErrorBoundary key={section}>
              <Suspense fallback={<div className="muted">Loading…</div>}>
                {page ? <page.Page key={section} params={page.params} /> : route === '/' ? null : <div className="empty">No page at {route}. <Link to="/instances">Instances</Link></div>}
              </Suspense>
            </ErrorBoundary>
          </main>
        </div>
      </div>
    </RangeContext.Provider>
  );
}
