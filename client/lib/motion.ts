/**
 * How the page scrolls itself (following the facilitator, bringing a ballot or a result into view):
 * smoothly, unless the user asked their system for less motion. A `behavior: 'smooth'` passed to
 * scrollTo or scrollIntoView is not overridden by the page's CSS, so each call asks here.
 */
export function scrollMotion(): ScrollBehavior {
  return matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
}
