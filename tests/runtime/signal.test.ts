/**
 * signal.ts: one 'abort' listener on a caller's signal for every call listening to it, removed
 * when the last stops; each call told once, in the order it started listening, whatever another
 * call's listener throws.
 */
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { onAbort } from '../../runtime/signal.js'

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length

describe('onAbort', () => {
  it('adds one listener however many listen, and removes it when the last stops', () => {
    const { signal } = new AbortController()
    const stops = Array.from({ length: 50 }, () => onAbort(signal, () => {}))
    expect(listeners(signal)).toBe(1)
    stops.slice(0, 49).forEach((stop) => stop())
    expect(listeners(signal)).toBe(1)
    stops[49]!()
    expect(listeners(signal)).toBe(0)
    // Stopping twice changes nothing; listening again adds one anew.
    stops[49]!()
    const again = onAbort(signal, () => {})
    expect(listeners(signal)).toBe(1)
    again()
    expect(listeners(signal)).toBe(0)
  })

  it('tells each listening call once, in order, the same function twice as two calls; not those that stopped', () => {
    const controller = new AbortController()
    const told: string[] = []
    const shared = () => told.push('shared')
    onAbort(controller.signal, () => told.push('a'))
    const stopB = onAbort(controller.signal, () => told.push('b'))
    onAbort(controller.signal, shared)
    onAbort(controller.signal, shared)
    stopB()
    controller.abort()
    controller.abort()
    expect(told).toEqual(['a', 'shared', 'shared'])
    expect(listeners(controller.signal)).toBe(0)
  })

  it('a call that stops listening while the abort is told is not told', () => {
    const controller = new AbortController()
    const told: string[] = []
    let stopSecond = () => {}
    onAbort(controller.signal, () => {
      told.push('first')
      stopSecond()
    })
    stopSecond = onAbort(controller.signal, () => told.push('second'))
    controller.abort()
    expect(told).toEqual(['first'])
  })

  it('a throwing listener does not keep the others from being told; its error is reported as uncaught', async () => {
    const controller = new AbortController()
    const told: string[] = []
    const uncaught: unknown[] = []
    const boom = new Error('boom')
    const listener = (error: unknown) => void uncaught.push(error)
    // vitest reports uncaught errors itself: take them over for this test.
    const previous = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    process.on('uncaughtException', listener)
    try {
      onAbort(controller.signal, () => {
        throw boom
      })
      onAbort(controller.signal, () => told.push('after'))
      controller.abort()
      expect(told).toEqual(['after'])
      await new Promise((resolve) => setImmediate(resolve))
      expect(uncaught).toEqual([boom])
    } finally {
      process.off('uncaughtException', listener)
      for (const p of previous) process.on('uncaughtException', p)
    }
  })

  it('a signal that has aborted already never calls it, as addEventListener would not', () => {
    const signal = AbortSignal.abort()
    let told = 0
    const stop = onAbort(signal, () => told++)
    stop()
    expect(told).toBe(0)
    expect(listeners(signal)).toBe(0)
  })
})
