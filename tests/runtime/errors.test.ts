/** The error hierarchy and the choice of class for a response. */
import { describe, expect, it } from 'vitest'
import {
  declaredError,
  InvalidRequestError,
  RateLimitExceededError,
  responseError,
  UpstreamFailureError,
  XrpcError,
  XrpcResponseError,
} from '../../runtime/errors.js'

const response = (status: number, error?: string, headers: Record<string, string> = {}) => ({ status, headers, message: 'm', ...(error ? { error } : {}) })

describe('declaredError', () => {
  it('returns one class per name, so instanceof agrees across methods', () => {
    expect(declaredError('InvalidConvo')).toBe(declaredError('InvalidConvo'))
    expect(declaredError('InvalidConvo')).not.toBe(declaredError('ConvoLocked'))
  })

  it('makes subclasses of XrpcResponseError named after the error', () => {
    const ConvoLocked = declaredError('ConvoLocked')
    const error = new ConvoLocked({ status: 400, error: 'ConvoLocked', message: 'locked', nsid: 'chat.bsky.convo.sendMessage' })
    expect(error).toBeInstanceOf(XrpcResponseError)
    expect(error).toBeInstanceOf(XrpcError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ConvoLockedError')
    expect(String(error)).toBe('ConvoLockedError: locked')
    expect(error).toMatchObject({ headers: {}, attempts: 1 })
  })
})

describe('JSON.stringify of an error', () => {
  it("writes its message (an Error's own, left out by default) with its fields, never its cause", () => {
    const ConvoLocked = declaredError('ConvoLocked')
    const error = new ConvoLocked({ status: 400, error: 'ConvoLocked', message: 'Convo is locked', nsid: 'chat.bsky.convo.sendMessage', headers: { 'ratelimit-remaining': '9' }, attempts: 2, cause: new Error('inner') })
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ConvoLockedError',
      message: 'Convo is locked',
      status: 400,
      error: 'ConvoLocked',
      headers: { 'ratelimit-remaining': '9' },
      nsid: 'chat.bsky.convo.sendMessage',
      attempts: 2,
    })
  })
})

describe('responseError', () => {
  it('prefers a declared class, then the status class', () => {
    const declared = { InvalidConvo: declaredError('InvalidConvo') }
    expect(responseError(response(400, 'InvalidConvo'), 'n', 1, declared)).toBeInstanceOf(declared.InvalidConvo)
    expect(responseError(response(400, 'Other'), 'n', 1, declared)).toBeInstanceOf(InvalidRequestError)
  })

  it('names bodiless errors after their status', () => {
    expect(responseError(response(502), 'n', 2)).toMatchObject({ error: 'UpstreamFailure', attempts: 2 })
    expect(responseError(response(502), 'n', 2)).toBeInstanceOf(UpstreamFailureError)
    expect(responseError(response(422), 'n', 1).error).toBe('InvalidRequest')
    expect(responseError(response(599), 'n', 1).error).toBe('InternalServerError')
  })

  it('reads a ratelimit-reset given in seconds from now', () => {
    const error = responseError(response(429, undefined, { 'ratelimit-reset': '30', 'ratelimit-limit': 'x' }), 'n', 1) as RateLimitExceededError
    expect(error.rateLimit.limit).toBeUndefined()
    expect(error.rateLimit.reset!.getTime()).toBeGreaterThan(Date.now() + 25_000)
    expect(error.retryAfter).toBeUndefined()
  })
})
