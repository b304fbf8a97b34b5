(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[931],{3:function(e,t,n){"use strict";n.r(t),n.d(t,{default:function(){return r}});function r(){return"Home"}}}]);
