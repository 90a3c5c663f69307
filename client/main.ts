import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { secretMovedToFragment } from './lib/credentials.ts';

// Before anything reads the URL: a secret sent in the query moves to the fragment (see there).
const moved = secretMovedToFragment(location.href);
if (moved) history.replaceState(history.state, '', moved);

mount(App, { target: document.getElementById('app')! });
