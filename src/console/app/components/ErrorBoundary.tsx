// Keeps one page's rendering bug from blanking the whole console: the error is shown in place of the page.
import { Component, type ReactNode } from 'react';

export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (this.state.error) {
      return <div className="error" role="alert">This page failed to render: {this.state.error.message}</div>;
    }
    return this.props.children;
  }
}
